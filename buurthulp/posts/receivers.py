"""A person's posts, matches, messages, thank-you notes, reports and blocks: exported, and erased on deletion."""

from buurthulp import privacy
from buurthulp.posts.export import forget_posts, posts_export

privacy.register("posts", export=posts_export, erase=forget_posts, order=20)
