// After a failed submit, move the focus to the error summary (GOV.UK pattern), for
// browsers that do not honour its `autofocus` attribute. Progressive enhancement only.
(function () {
  "use strict";
  function focusSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    var active = document.activeElement;
    if (active && active !== document.body && active !== summary) {
      return; // someone already moved on: do not steal the focus back
    }
    summary.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
