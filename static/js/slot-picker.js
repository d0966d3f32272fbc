// The booking page's day picker (templates/appointments/partials/day_picker.html), once htmx has
// swapped it: a chosen day moves the focus to that day's times (their heading), as the link's
// #day-times does without JavaScript; another fortnight keeps the focus on the link used (htmx
// restores it by id) and says the new range and its free times in the page's status region.
(function () {
  "use strict";

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var picker = document.getElementById("slot-picker");
    var trigger = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!picker || !trigger || !trigger.closest) {
      return;
    }
    if (trigger.hasAttribute("data-picker-day")) {
      var heading = document.getElementById("times-heading");
      if (heading) {
        heading.focus();
      }
      return;
    }
    if (trigger.closest(".day-picker__pages")) {
      var status = document.getElementById("picker-status");
      if (status) {
        status.textContent = "";
        window.setTimeout(function () {
          status.textContent = picker.getAttribute("data-announce") || "";
        }, 50);
      }
      if (document.activeElement === document.body) {
        var days = document.getElementById("days-heading");
        if (days) {
          days.setAttribute("tabindex", "-1");
          days.focus();
        }
      }
    }
  });
})();
