// The admin's weekly grid (core.weekly_grid, templates/admin/weekly_grid.html): "Add a range"
// puts another blank range in its day without saving first. Without this script each day still
// has one blank range, and saving gives another.
(function () {
  "use strict";

  function addRange(group, day, dayName) {
    var prefix = group.dataset.weeklyGrid;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = group.querySelector("template[data-weekly-grid-template]");
    var ranges = group.querySelector('[data-weekly-grid-day="' + day + '"]');
    if (!total || !template || !ranges) {
      return;
    }
    var index = parseInt(total.value, 10);
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var range = holder.querySelector(".weekly-grid__range");
    var weekday = range.querySelector('[name="' + prefix + "-" + index + "-" + group.dataset.weekdayField + '"]');
    if (weekday) {
      weekday.value = day;
    }
    range.querySelectorAll("[data-weekly-grid-day-name]").forEach(function (span) {
      span.textContent = " (" + dayName + ")";
    });
    ranges.appendChild(range);
    total.value = String(index + 1);
    var first = range.querySelector("input:not([type=hidden]), select");
    if (first) {
      first.focus();
    }
  }

  function start() {
    document.querySelectorAll("[data-weekly-grid]").forEach(function (group) {
      group.querySelectorAll("[data-weekly-grid-add]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () {
          addRange(group, button.dataset.weeklyGridAdd, button.dataset.dayName || "");
        });
      });
    });
  }

  // The admin loads its scripts in the page's head: wait for the grid.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
