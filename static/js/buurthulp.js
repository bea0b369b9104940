// Small improvements on top of pages that work without JavaScript.
(function () {
  "use strict";

  // Registration: say which neighbourhood the postcode is in as soon as it is typed.
  function setUpPostcodeLookup(input) {
    var url = input.getAttribute("data-postcode-lookup");
    var select = document.getElementById(input.getAttribute("data-target"));
    var result = document.getElementById("postcode-result");
    if (!url || !result || !window.fetch) { return; }
    var last = "";
    function lookUp() {
      var value = input.value.replace(/\s+/g, "").toUpperCase();
      if (value === last || value.length < 6) { return; }
      last = value;
      fetch(url + "?postcode=" + encodeURIComponent(value), { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.neighbourhood && select) {
            select.value = String(data.neighbourhood.id);
          }
          result.textContent = data.message || data.error || "";
        })
        .catch(function () { result.textContent = ""; });
    }
    input.addEventListener("change", lookUp);
    input.addEventListener("blur", lookUp);
  }

  // Move focus to the error summary so screen reader users hear what to fix.
  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("[data-postcode-lookup]");
    for (var i = 0; i < inputs.length; i++) { setUpPostcodeLookup(inputs[i]); }
    focusErrorSummary();
  });
})();

// The post form: show only the "when" fields of the chosen kind of timing.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var radios = document.querySelectorAll("[data-reveal]");
    if (!radios.length) { return; }
    function update() {
      for (var i = 0; i < radios.length; i++) {
        var part = document.getElementById(radios[i].getAttribute("data-reveal"));
        if (part) { part.hidden = !radios[i].checked; }
      }
    }
    for (var i = 0; i < radios.length; i++) { radios[i].addEventListener("change", update); }
    update();
  });
})();

// The header's "More" menu is a <details> that works without JavaScript; here it also closes
// on Escape (focus back on its button) and on a click or tap outside it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var menus = document.querySelectorAll("details[data-menu]");
    if (!menus.length) { return; }
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      for (var i = 0; i < menus.length; i++) {
        if (menus[i].open) {
          menus[i].open = false;
          menus[i].querySelector("summary").focus();
        }
      }
    });
    document.addEventListener("click", function (event) {
      for (var i = 0; i < menus.length; i++) {
        if (menus[i].open && !menus[i].contains(event.target)) { menus[i].open = false; }
      }
    });
  });
})();

// The feed's filters are folded on a phone; on a wide screen there is room, so they start open.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.matchMedia || !window.matchMedia("(min-width: 48rem)").matches) { return; }
    var boxes = document.querySelectorAll("details[data-open-wide]");
    for (var i = 0; i < boxes.length; i++) { boxes[i].open = true; }
  });
})();
