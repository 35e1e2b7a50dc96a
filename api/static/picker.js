// The day picker of the booking pages. Without JavaScript every day's times
// are listed as radio buttons and the form works the same; with it, the
// days that have free times are buttons, and one day's times show at once.
(function () {
  "use strict";
  var pickers = document.querySelectorAll("[data-day-picker]");
  Array.prototype.forEach.call(pickers, function (picker) {
    var tabs = picker.querySelector(".day-tabs");
    var days = picker.querySelectorAll("fieldset.day");
    var form = picker.closest("form");
    if (!tabs || !form || days.length === 0) {
      return;
    }
    var buttons = tabs.querySelectorAll("button[data-day]");
    var chosen = form.querySelector("[data-chosen]");

    function show(id) {
      Array.prototype.forEach.call(days, function (d) { d.hidden = d.id !== id; });
      Array.prototype.forEach.call(buttons, function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-day") === id ? "true" : "false");
      });
    }

    function say() {
      if (!chosen) {
        return;
      }
      var c = picker.querySelector('input[name="start"]:checked');
      if (!c) {
        chosen.textContent = chosen.getAttribute("data-none");
        return;
      }
      var day = c.closest("fieldset.day").getAttribute("data-label");
      chosen.textContent = day + ", " + c.parentNode.textContent.trim();
    }

    Array.prototype.forEach.call(buttons, function (b) {
      b.addEventListener("click", function () { show(b.getAttribute("data-day")); });
    });
    form.addEventListener("change", say);
    // Sent without a time, the form would point at a radio button on a
    // hidden day; say what is missing where the visitor looks instead.
    form.addEventListener("invalid", function (e) {
      if (e.target.name === "start") {
        e.preventDefault();
        if (chosen) {
          chosen.textContent = chosen.getAttribute("data-missing");
        }
        tabs.scrollIntoView({ block: "nearest" });
      }
    }, true);

    var checked = picker.querySelector('input[name="start"]:checked');
    show(checked ? checked.closest("fieldset.day").id : days[0].id);
    picker.classList.add("enhanced");
    tabs.hidden = false;
    say();
  });
})();
