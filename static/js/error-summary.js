// The error summary (GOV.UK pattern), progressive enhancement only:
// - after a failed submit, move the focus to the summary for browsers that do not honour
//   its `autofocus` attribute;
// - a link in the summary puts the focus in its field (a fragment link only scrolls).
(function () {
  "use strict";
  function focusSummary(summary) {
    var active = document.activeElement;
    if (active && active !== document.body && active !== summary) {
      return; // someone already moved on: do not steal the focus back
    }
    summary.focus();
  }
  function focusFields(summary) {
    summary.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      if (!link) {
        return;
      }
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target || typeof target.focus !== "function") {
        return;
      }
      event.preventDefault();
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", link.getAttribute("href"));
      }
      target.scrollIntoView({ block: "center" });
      target.focus();
    });
  }
  function start() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    focusFields(summary);
    focusSummary(summary);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
