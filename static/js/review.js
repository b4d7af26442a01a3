// Attendance review: each "what to do" select gains a combobox that searches every
// registration as you type (ARIA 1.2 combobox with a listbox popup). Choosing a
// registration adds it to the select and selects it, so the form posts exactly what it
// posts without JavaScript, where the select offers its own short list.
(function () {
  "use strict";

  var selects = document.querySelectorAll("select[data-link-search]");
  var counter = 0;

  function enhance(select) {
    counter += 1;
    var id = "link-" + counter;
    var wrapper = document.createElement("div");
    wrapper.className = "combobox";

    var label = document.createElement("label");
    label.htmlFor = id + "-input";
    label.className = "combobox-label";
    label.textContent = "Find a registration for " + select.getAttribute("data-person");

    var input = document.createElement("input");
    input.type = "text";
    input.id = id + "-input";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.setAttribute("aria-describedby", id + "-status");
    input.autocomplete = "off";
    input.spellcheck = false;

    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "combobox-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Registrations");
    list.hidden = true;

    var status = document.createElement("span");
    status.id = id + "-status";
    status.className = "visually-hidden";
    status.setAttribute("role", "status");

    wrapper.appendChild(label);
    wrapper.appendChild(input);
    wrapper.appendChild(list);
    wrapper.appendChild(status);
    select.insertAdjacentElement("afterend", wrapper);

    var results = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.children;
      if (active >= 0 && items[active]) { items[active].setAttribute("aria-selected", "false"); }
      active = index;
      if (active >= 0 && items[active]) {
        items[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", items[active].id);
        items[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var result = results[index];
      if (!result) { return; }
      var option = select.querySelector('option[value="' + result.value + '"]');
      if (!option) {
        option = document.createElement("option");
        option.value = result.value;
        option.textContent = result.label;
        select.appendChild(option);
      }
      select.value = result.value;
      input.value = result.label;
      status.textContent = result.label + " is chosen.";
      close();
    }

    function show(found) {
      results = found;
      list.textContent = "";
      found.forEach(function (result, index) {
        var item = document.createElement("li");
        item.id = id + "-option-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = result.label;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { choose(index); });
        list.appendChild(item);
      });
      var open = found.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      active = -1;
      input.removeAttribute("aria-activedescendant");
      status.textContent = found.length === 0 ? "No registration found."
        : found.length + (found.length === 1 ? " registration found." : " registrations found.");
    }

    function search() {
      var text = input.value.trim();
      if (text.length < 2) { close(); status.textContent = ""; return; }
      asked += 1;
      var mine = asked;
      var url = select.getAttribute("data-link-search") + "?q=" + encodeURIComponent(text);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (mine === asked) { show(data.results || []); } })
        .catch(function () { status.textContent = "The search is not available; use the list above."; });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (event) {
      var count = list.children.length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden && results.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (count) { highlight((active + 1) % count); }
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (count) { highlight(active <= 0 ? count - 1 : active - 1); }
      } else if (event.key === "Enter") {
        // Enter picks the highlighted registration; it never submits the import.
        event.preventDefault();
        if (!list.hidden && active >= 0) { choose(active); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); } else { input.value = ""; }
      }
    });
    input.addEventListener("blur", close);
  }

  Array.prototype.forEach.call(selects, enhance);
})();
