/*
 * The adviser's calendar page: FullCalendar (vendored in static/vendor/fullcalendar) reading the
 * JSON feed named in the element's data attributes. Loaded with `defer` after the FullCalendar
 * scripts; no inline script anywhere (CSP). Without JavaScript the page shows the server-rendered
 * list of the week, which this script hides once the calendar is drawn.
 */
(function () {
  "use strict";

  function start() {
    var el = document.querySelector("[data-calendar]");
    if (!el || typeof FullCalendar === "undefined") {
      return; // the server-rendered week stays visible
    }
    var status = document.querySelector("[data-calendar-status]");
    var fallback = document.querySelector("[data-calendar-fallback]");

    function say(text) {
      if (status) {
        status.textContent = text || "";
      }
    }

    // Times and days as Québec French writes them (OQLF): « 7 h », « 8 h 30 – 9 h 30 », « lun. 1er déc. »;
    // FullCalendar's fr-ca pack writes « 07 h », « 8 h 30 - 9 h 30 » and « 1 déc. ». English keeps
    // Canadian style: "7 a.m.", "8:30 a.m. – 9:30 a.m.".
    var french = (el.dataset.locale || "fr-ca").indexOf("en") !== 0;

    function twoDigits(n) {
      return (n < 10 ? "0" : "") + n;
    }

    // `info`: FullCalendar's date info (hour, minute, day… in the calendar's time zone; `marker`
    // is a Date whose UTC fields are that wall-clock time).
    function clock(info) {
      if (french) {
        return info.hour + " h" + (info.minute ? " " + twoDigits(info.minute) : "");
      }
      var hour = info.hour % 12 || 12;
      return hour + (info.minute ? ":" + twoDigits(info.minute) : "") + (info.hour < 12 ? " a.m." : " p.m.");
    }

    function clockRange(arg) {
      return arg.end ? clock(arg.start) + " – " + clock(arg.end) : clock(arg.date);
    }

    function frenchDay(info, weekday, month, year) {
      var parts = [];
      var options = { timeZone: "UTC" };
      if (weekday) {
        parts.push(new Intl.DateTimeFormat("fr-CA", Object.assign({ weekday: weekday }, options)).format(info.marker));
      }
      parts.push(info.day === 1 ? "1er" : String(info.day));
      parts.push(new Intl.DateTimeFormat("fr-CA", Object.assign({ month: month }, options)).format(info.marker));
      if (year) {
        parts.push(String(info.year));
      }
      return parts.join(" ");
    }

    // A week of seven columns does not fit a phone: there, the week is a list.
    var narrow = window.matchMedia("(max-width: 40em)");
    var wideView = el.dataset.initialView || "timeGridWeek";

    var calendar = new FullCalendar.Calendar(el, {
      locale: el.dataset.locale || "fr-ca",
      timeZone: el.dataset.timeZone || "America/Toronto",
      initialView: narrow.matches && wideView === "timeGridWeek" ? "listWeek" : wideView,
      windowResize: function () {
        if (narrow.matches && calendar.view.type === "timeGridWeek") {
          calendar.changeView("listWeek");
        }
      },
      // Words, not icons: FullCalendar's arrow icons are role="img" elements without a name.
      buttonIcons: false,
      // FullCalendar's words, translated in our catalogue and given by the page: its French pack
      // has "Mon planning" for the list and no French for the list's column headers or the hints.
      buttonText: {
        prev: el.dataset.prevLabel || "Previous",
        next: el.dataset.nextLabel || "Next",
        today: el.dataset.todayLabel || "Today",
        day: el.dataset.dayLabel || "Day",
        week: el.dataset.weekLabel || "Week",
        list: el.dataset.listLabel || "List",
      },
      timeHint: el.dataset.timeLabel || "Time",
      eventHint: el.dataset.eventLabel || "Event",
      buttonHints: {
        prev: el.dataset.prevHint || "Previous $0",
        next: el.dataset.nextHint || "Next $0",
        today: el.dataset.todayHint || "Today",
      },
      viewHint: el.dataset.viewHint || "$0 view",
      noEventsText: el.dataset.noEvents || "No events to display",
      // "lun. 30 nov." / "Mon Nov 30": the default (numeric month and day) reads "lun. 11-30" in
      // fr-CA, whose numeric dates are year-month-day.
      dayHeaderFormat: french
        ? function (arg) {
            return frenchDay(arg.date, "short", "short");
          }
        : { weekday: "short", day: "numeric", month: "short", omitCommas: true },
      slotLabelFormat: function (arg) {
        return clock(arg.date);
      },
      eventTimeFormat: clockRange,
      listDayFormat: french
        ? function (arg) {
            return frenchDay(arg.date, "long", "long", true);
          }
        : { weekday: "long", month: "long", day: "numeric", year: "numeric" },
      listDaySideFormat: false,
      initialDate: el.dataset.initialDate || undefined,
      firstDay: 1, // Monday, as the server-rendered week
      headerToolbar: {
        left: "prev,next today",
        center: "title",
        right: "timeGridDay,timeGridWeek,listWeek",
      },
      slotMinTime: "07:00:00",
      slotMaxTime: "20:00:00",
      scrollTime: "08:00:00",
      allDaySlot: true,
      nowIndicator: true,
      height: "auto",
      // The feed answers times with their offset; FullCalendar shows them, and today, the now
      // line and the grid's days, in the adviser's zone (data-time-zone, an IANA name) through
      // its luxon3 plugin, whatever zone the browser is in: a browser in UTC or in Paris shows
      // an 8 h 30 appointment at 8 h 30. Without the plugin, a named zone would be read as UTC.
      events: {
        url: el.dataset.eventsUrl,
        failure: function () {
          say(el.dataset.errorMessage);
          if (fallback) {
            fallback.hidden = false;
          }
        },
      },
      loading: function (isLoading) {
        say(isLoading ? el.dataset.loadingMessage : "");
      },
      eventDidMount: function (info) {
        // A tooltip with what the colours say: status, mode and place.
        var props = info.event.extendedProps;
        if (props.kind === "appointment") {
          var parts = [info.event.title, props.statusLabel, props.modeLabel];
          if (props.where) {
            parts.push(props.where);
          }
          if (props.readyLabel) {
            parts.push(props.readyLabel);
          }
          info.el.title = parts.join(" · ");
          // The list view has room for the labels in text: colours alone are not enough.
          var title = info.el.querySelector(".fc-list-event-title");
          if (title) {
            var labels = document.createElement("span");
            labels.className = "calendar__labels";
            labels.textContent = " · " + parts.slice(1).join(" · ");
            title.appendChild(labels);
          }
        } else if (info.event.title) {
          info.el.title = info.event.title;
        }
      },
    });
    calendar.render();
    if (fallback) {
      fallback.hidden = true;
    }
    var legend = document.querySelector("[data-calendar-legend]");
    if (legend) {
      legend.hidden = false;
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
