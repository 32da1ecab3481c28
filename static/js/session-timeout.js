// Progressive enhancement: warn 5 minutes before the session ends. Without JavaScript the
// page says the same in words, and every step is saved anyway.
(function () {
  var script = document.currentScript;
  var lifetime = parseInt(script.getAttribute("data-lifetime"), 10);
  var message = script.getAttribute("data-warning");
  if (!lifetime || !message) { return; }
  var delay = Math.max(lifetime - 300, 0) * 1000;
  window.setTimeout(function () {
    var notice = document.getElementById("session-notice");
    if (!notice) { return; }
    notice.textContent = message;
    notice.setAttribute("role", "alert");
    notice.classList.add("notice-warning");
  }, delay);
})();
