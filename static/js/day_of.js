// The day-of view refreshes its figures in place: it fetches the same page and swaps the
// live part, so the page reads the same with or without this script. It pauses while the
// tab is hidden and leaves the page alone if a request fails.
(function () {
  "use strict";
  var live = document.getElementById("day-live");
  if (!live || !window.fetch || !window.DOMParser) { return; }
  var seconds = parseInt(live.getAttribute("data-refresh"), 10) || 30;

  function refresh() {
    if (document.hidden) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("day-live");
        if (!fresh) { return; }
        live.innerHTML = fresh.innerHTML;
        var status = document.getElementById("day-updated");
        if (status) { status.textContent = fresh.getAttribute("data-updated"); }
      })
      .catch(function () {});
  }
  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
})();
