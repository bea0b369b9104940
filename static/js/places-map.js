// The map view of the living map: the places of the list below as markers. Without JavaScript,
// or when the tiles cannot load, the list is complete on its own.
(function () {
  "use strict";

  function start() {
    var element = document.getElementById("places-map");
    if (!element || !window.L) { return; }
    var cards = document.querySelectorAll(".place-card[data-lat]");
    element.textContent = "";
    var map = window.L.map(element, { scrollWheelZoom: false });
    window.L.tileLayer(element.getAttribute("data-tiles"), {
      attribution: element.getAttribute("data-attribution"), maxZoom: 19
    }).addTo(map);
    var points = [];
    Array.prototype.forEach.call(cards, function (card) {
      var point = [parseFloat(card.getAttribute("data-lat")), parseFloat(card.getAttribute("data-lon"))];
      var link = document.createElement("a");
      link.href = card.getAttribute("data-url");
      link.textContent = card.getAttribute("data-name");  // text, never HTML: names come from neighbours
      window.L.marker(point, { title: card.getAttribute("data-name"), alt: card.getAttribute("data-name") })
        .bindPopup(link).addTo(map);
      points.push(point);
    });
    if (points.length) {
      map.fitBounds(points, { padding: [30, 30], maxZoom: 16 });
    } else {
      map.setView([52.1, 5.1], 12);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
