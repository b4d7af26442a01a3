// Follow a job with progress (a report being generated, certificates being prepared),
// then reload to show what it made.
(function () {
  "use strict";
  var panels = document.querySelectorAll(".report-progress[data-status-url]");
  panels.forEach(function (panel) {
    var bar = panel.querySelector("progress");
    var stage = panel.querySelector(".report-stage");
    function poll() {
      fetch(panel.getAttribute("data-status-url"), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (run) {
          bar.value = run.progress;
          bar.textContent = run.progress + "%";
          stage.textContent = run.stage;
          if (run.done) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 700);
  });
})();
