// Live check-in: filter as you type, move with the arrow keys, mark present without
// reloading. Without JavaScript the page works with its plain search form, and the list's
// one form sends the button pressed (present=<id> or undo=<id>).
// When the page cannot list everyone expected (a plenary of thousands), typing asks the
// server for the matching people instead (data-search-url) and shows them in the list.
(function () {
  "use strict";

  var search = document.querySelector("[data-checkin-search]");
  var list = document.getElementById("checkin-list");
  var form = list && list.closest("form");
  if (!search || !form) { return; }
  var pageQuery = form.elements.q;  // where a plain submission returns to
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
    people = Array.prototype.slice.call(list.querySelectorAll("li.checkin-person"));
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
      pageQuery.value = pageQuery.defaultValue;
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
        pageQuery.value = typed;
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

  function setPresent(li, present) {
    var button = li.querySelector("button");
    var label = button.querySelector(".visually-hidden");
    var badge = li.querySelector(".present-badge");
    li.classList.toggle("is-present", present);
    button.name = present ? "undo" : "present";
    button.classList.toggle("button-secondary", present);
    button.firstChild.nodeValue = present ? "Undo" : "Mark present";
    if (label) { button.appendChild(label); }
    if (present && !badge) {
      badge = document.createElement("span");
      badge.className = "present-badge";
      badge.textContent = "Present";
      li.querySelector(".checkin-who").append(" ", badge);
    } else if (!present && badge) {
      var space = badge.previousSibling;
      if (space && space.nodeType === Node.TEXT_NODE && !space.nodeValue.trim()) { space.remove(); }
      badge.remove();
    }
  }

  // Without fetch working, the form is sent as a browser would, with the button pressed.
  function sendPlainly(button) {
    var pressed = document.createElement("input");
    pressed.type = "hidden";
    pressed.name = button.name;
    pressed.value = button.value;
    form.appendChild(pressed);
    form.submit();
  }

  function submit(button) {
    // aria-disabled, not disabled: a disabled button would lose the keyboard focus.
    if (button.getAttribute("aria-disabled") === "true") { return; }  // being sent
    var body = new FormData(form);
    body.append(button.name, button.value);
    button.setAttribute("aria-disabled", "true");
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) { announce(result.data.error || "That did not work. Reload the page."); return; }
      setPresent(button.closest("li"), result.data.present);
      if (count && typeof result.data.count === "number") {
        count.textContent = result.data.count.toLocaleString("en-CA");
      }
      announce(result.data.message);
    }).catch(function () {
      sendPlainly(button);
    }).finally(function () {
      button.removeAttribute("aria-disabled");
    });
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || !list.contains(button) || !window.fetch) { return; }
    event.preventDefault();
    submit(button);
  });

  function markOnlyMatch() {
    var shown = visible();
    if (shown.length !== 1) { return false; }
    var button = shown[0].querySelector("button");
    if (button.name === "present") {
      submit(button);
      search.select();
    } else {
      announce(shown[0].querySelector("strong").textContent + " is already present.");
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
