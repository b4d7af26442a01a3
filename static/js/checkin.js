// Live check-in: filter as you type, move with the arrow keys, mark present without
// reloading. Without JavaScript the page works with its plain search form and buttons.
// When the page cannot list everyone expected (a plenary of thousands), typing asks the
// server for the matching people instead (data-search-url) and shows them in the list.
(function () {
  "use strict";

  var search = document.querySelector("[data-checkin-search]");
  var list = document.getElementById("checkin-list");
  if (!search || !list) { return; }
  var status = document.querySelector("[data-checkin-status]");
  var empty = document.querySelector("[data-checkin-empty]");
  var count = document.querySelector("[data-checkin-count]");
  var searchUrl = list.getAttribute("data-search-url");
  var listed = list.innerHTML;
  var listedLabel = list.getAttribute("aria-label");
  var asked = null;  // the latest request to the server, while it runs
  var askedFor = "";
  var shownFor = "";  // what the list shows the matches of
  var timer = null;
  var people = [];

  function collect() {
    people = Array.prototype.slice.call(list.querySelectorAll("li[data-search]"));
  }
  collect();

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/['\u2019\u2018`\u00b4\u02bc]/g, "");
  }

  function visible() {
    return people.filter(function (li) { return !li.hidden; });
  }

  function announce(message) {
    if (status) { status.textContent = message; }
  }

  function ask() {
    var typed = search.value.trim();
    if (asked && typed === askedFor) { return asked; }
    if (typed === shownFor) { return Promise.resolve(); }
    if (!typed) {
      list.innerHTML = listed;
      list.setAttribute("aria-label", listedLabel);
      collect();
      asked = null;
      shownFor = "";
      announce("");
      return Promise.resolve();
    }
    var url = searchUrl + "?q=" + encodeURIComponent(typed);
    var request = fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      }).then(function (html) {
        if (request !== asked) { return; }  // a later keystroke asked again
        list.innerHTML = html;
        list.setAttribute("aria-label", "Search results");
        collect();
        shownFor = typed;
        var found = people.length;
        announce(found + (found === 1 ? " match" : " matches"));
        asked = null;
      }).catch(function () {
        if (request === asked) { asked = null; announce("Searching did not work. Press Enter to search."); }
      });
    asked = request;
    askedFor = typed;
    return request;
  }

  function searchAsYouType() {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 150);
  }

  function filter() {
    var words = fold(search.value).split(/\s+/).filter(Boolean);
    people.forEach(function (li) {
      var haystack = li.getAttribute("data-search");
      li.hidden = !words.every(function (word) { return haystack.indexOf(word) !== -1; });
    });
    var shown = visible().length;
    if (empty) { empty.hidden = shown !== 0 || words.length === 0; }
    announce(words.length ? shown + (shown === 1 ? " match" : " matches") : "");
  }

  function buttons() {
    return visible().map(function (li) { return li.querySelector("button"); });
  }

  function setPresent(form, present) {
    var li = form.closest("li");
    var button = form.querySelector("button");
    var label = button.querySelector(".visually-hidden");
    li.classList.toggle("is-present", present);
    form.querySelector("input[name=action]").value = present ? "undo" : "present";
    form.querySelector("[data-present-badge]").hidden = !present;
    button.classList.toggle("button-secondary", present);
    button.firstChild.nodeValue = present ? "Undo" : "Mark present";
    if (label) { button.appendChild(label); }
  }

  function submit(form) {
    var button = form.querySelector("button");
    button.disabled = true;
    // getAttribute: the form has a field named "action", which shadows form.action.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) { announce(result.data.error || "That did not work. Reload the page."); return; }
      setPresent(form, result.data.present);
      if (count && typeof result.data.count === "number") {
        count.textContent = result.data.count.toLocaleString("en-CA");
      }
      announce(result.data.message);
    }).catch(function () {
      form.submit();
    }).finally(function () {
      button.disabled = false;
    });
  }

  list.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-checkin-form]");
    if (!form || !window.fetch) { return; }
    event.preventDefault();
    submit(form);
  });

  function markOnlyMatch() {
    var shown = visible();
    if (shown.length !== 1) { return false; }
    var form = shown[0].querySelector("[data-checkin-form]");
    if (form.querySelector("input[name=action]").value === "present") {
      submit(form);
      search.select();
    } else {
      announce(shown[0].querySelector("button").getAttribute("data-name") + " is already present.");
    }
    return true;
  }

  var remote = Boolean(searchUrl && window.fetch);
  search.addEventListener("input", remote ? searchAsYouType : filter);
  search.addEventListener("keydown", function (event) {
    var shown = visible();
    if (event.key === "Enter" && search.value.trim() && remote) {
      // Wait for the answer to what was typed; then the only match is marked present,
      // and otherwise the plain search form is sent.
      event.preventDefault();
      window.clearTimeout(timer);
      ask().then(function () {
        if (!markOnlyMatch()) { search.form.submit(); }
      });
    } else if (event.key === "Enter" && search.value.trim() && shown.length === 1) {
      event.preventDefault();
      markOnlyMatch();
    } else if (event.key === "ArrowDown" && shown.length) {
      event.preventDefault();
      shown[0].querySelector("button").focus();
    } else if (event.key === "Escape") {
      search.value = "";
      if (remote) { window.clearTimeout(timer); ask(); } else { filter(); }
    }
  });

  list.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp" && event.key !== "Escape") { return; }
    var all = buttons();
    var index = all.indexOf(document.activeElement);
    if (index === -1) { return; }
    event.preventDefault();
    if (event.key === "Escape" || (event.key === "ArrowUp" && index === 0)) {
      search.focus();
      search.select();
    } else if (event.key === "ArrowDown" && index < all.length - 1) {
      all[index + 1].focus();
    } else if (event.key === "ArrowUp") {
      all[index - 1].focus();
    }
  });

  if (search.value && !remote) { filter(); }
})();
