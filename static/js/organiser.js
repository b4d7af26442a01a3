// Registrants list: "select every row" and a live count of the ticked rows.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var all = form.querySelector("[data-select-all]");
  var boxes = form.querySelectorAll("input[name=ids]");
  var status = form.querySelector("[data-selected-count]");
  function update() {
    var ticked = 0;
    boxes.forEach(function (box) { if (box.checked) ticked += 1; });
    if (status) status.textContent = ticked ? ticked + " selected." : "";
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
