// Feedback while something takes time, and focus on what went wrong. Every page loads it; the
// pages opt in with data attributes, and their words come from the templates (translated there).
//
// - <form data-progress="Searching…">: on submit the form is aria-busy and its (always present,
//   empty) [data-progress-status] live region says the text; CSS adds a spinner while it is busy.
// - <a data-started="Export started…"> or <button data-started="…">: on activation (a download:
//   the page stays) the text is put in the page's live region (#messages).
// - #form-errors (templates/appointments/partials/form_errors.html): focused when the page or an
//   htmx swap shows it, so keyboard and screen reader users land on the list of errors.
(function () {
  "use strict";

  function say(region, text) {
    if (!region) {
      return;
    }
    // Emptied first, so saying the same words twice is announced twice.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }

  function focusErrors(root) {
    var summary = (root || document).querySelector("#form-errors");
    if (summary) {
      summary.focus();
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-progress]") || event.defaultPrevented) {
      return;
    }
    form.setAttribute("aria-busy", "true");
    say(form.querySelector("[data-progress-status]"), form.getAttribute("data-progress"));
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-started], button[data-started]");
    if (link) {
      say(document.getElementById("messages"), link.getAttribute("data-started"));
    }
  });

  // Back from the next page (bfcache): the form is no longer busy.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-progress][aria-busy]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      var status = form.querySelector("[data-progress-status]");
      if (status) {
        status.textContent = "";
      }
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    focusErrors(document);
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    focusErrors(event.detail && event.detail.elt);
  });
})();
