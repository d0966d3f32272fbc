// Suggestions while a place is typed. Every page loads it; a text box opts in with
// data-place-search (the API's municipality search, service_points.forms.PlaceInput) and a
// list attribute naming its <datalist>. After a short pause in typing, the datalist is filled with
// the labels the API finds ("Saint-Joseph-de-Beauce — Beauce-Centre, Chaudière-Appalaches"),
// which the form accepts as they are. Without this script the form still reads what is typed.
(function () {
  "use strict";

  var DELAY_MS = 250;

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var asked = "";
    if (!list || input.dataset.placeSearchReady) {
      return;
    }
    input.dataset.placeSearchReady = "1";
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var text = input.value.trim();
        if (text.length < 2 || text === asked) {
          return;
        }
        asked = text;
        var url = input.dataset.placeSearch + "?page_size=8&search=" + encodeURIComponent(text);
        window
          .fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (response) {
            return response.ok ? response.json() : { results: [] };
          })
          .then(function (page) {
            if (text !== asked) {
              return; // a later request is on its way
            }
            list.replaceChildren.apply(
              list,
              page.results.map(function (municipality) {
                var option = document.createElement("option");
                option.value = municipality.label;
                return option;
              })
            );
          })
          .catch(function () {
            // No suggestions: the form still reads what is typed.
          });
      }, DELAY_MS);
    });
  }

  function attachAll(root) {
    root.querySelectorAll("input[data-place-search][list]").forEach(attach);
  }

  attachAll(document);
  // Forms that htmx swaps in (an error shown in place) get theirs too.
  document.addEventListener("htmx:load", function (event) {
    attachAll(event.detail.elt.parentNode || document);
  });
})();
