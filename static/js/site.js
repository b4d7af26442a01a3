// Small enhancements; every page works without them.
(function () {
  "use strict";

  // After a failed submit, move focus to the error summary so it is read out first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // Show only the delivery areas of the chosen health region.
  var region = document.getElementById("health_region");
  var hsda = document.getElementById("hsda");
  var areaRegion = { "1": "interior", "2": "fraser", "3": "vch", "4": "island", "5": "northern" };
  function filterAreas() {
    if (!region || !hsda) return;
    Array.prototype.forEach.call(hsda.options, function (option) {
      if (!option.value) return;
      var fits = areaRegion[option.value.charAt(0)] === region.value;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) hsda.value = "";
    });
  }
  if (region && hsda) {
    region.addEventListener("change", filterAreas);
    filterAreas();
  }
})();
