// Breakout notes: autosave drafts, add rows, and show a conflict instead of overwriting.
// The form works without this file; it only saves sooner and more gently.
(function () {
  "use strict";

  var form = document.querySelector("[data-notes-form]");
  if (!form || !window.fetch || !window.FormData) return;

  var DEBOUNCE_MS = 2000;
  var RETRY_MS = 15000;
  // form.action would be the buttons named "action"; read the attribute instead.
  var endpoint = form.getAttribute("action") || window.location.pathname;
  var versionInput = form.querySelector("[data-note-version]");
  var csrfInput = form.querySelector("input[name=csrf_token]");
  var statusBox = form.querySelector("[data-autosave-status]");
  var noteStatus = document.querySelector("[data-note-status]");
  var layout = document.querySelector("[data-notes-layout]");
  var conflictBox = document.querySelector("[data-conflict]");
  var conflictTheirs = document.querySelector("[data-conflict-theirs]");
  var conflictButtons = document.querySelector("[data-conflict-buttons]");
  var keepMine = document.querySelector("[data-keep-mine]");

  var timer = null;
  var inFlight = false;
  var dirty = false;
  var again = false;
  var conflicted = conflictBox && !conflictBox.hidden;
  var theirVersion = null;
  var pendingSubmitter = null;
  var submitting = false;

  function say(message, isError) {
    statusBox.textContent = message;
    statusBox.classList.toggle("is-error", !!isError);
  }

  function schedule(delay) {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(save, delay);
  }

  function changed() {
    dirty = true;
    if (conflicted) {
      say("Not saved yet: choose what to do about the other version first.", true);
      return;
    }
    say("Unsaved changes…");
    schedule(DEBOUNCE_MS);
  }

  function save() {
    timer = null;
    if (conflicted || submitting) return;
    if (inFlight) {
      again = true;
      return;
    }
    if (!dirty) return;
    inFlight = true;
    dirty = false;
    var data = new FormData(form);
    data.set("action", "autosave");
    say("Saving…");
    fetch(endpoint, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": csrfInput ? csrfInput.value : "", Accept: "application/json" },
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.type === "opaqueredirect" || type.indexOf("application/json") === -1) {
          throw new Error("signed-out");
        }
        return response.json().then(function (body) {
          return { status: response.status, body: body };
        });
      })
      .then(function (result) {
        if (result.status === 200 && result.body.saved) {
          versionInput.value = String(result.body.version);
          var message = "Draft saved at " + result.body.saved_at + ".";
          if (noteStatus) {
            if (noteStatus.textContent === "Submitted") {
              message += " Submit the notes again when you are ready; until then the report keeps the submitted version.";
            }
            noteStatus.textContent = "Draft";
          }
          if (result.body.unconsented) {
            message += " Before you submit, tick that the speaker agreed to each quote, or remove it.";
          }
          say(message);
        } else if (result.status === 409) {
          dirty = true;
          showConflict(result.body);
        } else if (result.status === 422) {
          dirty = true;
          say("Not saved: " + (result.body.errors || []).join(" "), true);
        } else {
          throw new Error("status " + result.status);
        }
      })
      .catch(function (error) {
        dirty = true;
        if (error && error.message === "signed-out") {
          say("Not saved: you may have been signed out. Keep this page open, sign in again in another tab, then keep typing.", true);
        } else {
          say("Not saved: the connection failed. Your text is still here; trying again shortly.", true);
          schedule(RETRY_MS);
        }
      })
      .then(function () {
        inFlight = false;
        if (pendingSubmitter !== null) {
          var submitter = pendingSubmitter;
          pendingSubmitter = null;
          submitForm(submitter);
        } else if (again) {
          again = false;
          schedule(0);
        }
      });
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function listOf(tag, items, render) {
    var list = element(tag);
    items.forEach(function (item) {
      var li = element("li");
      render(li, item);
      list.appendChild(li);
    });
    return list;
  }

  function section(title, content, empty) {
    var wrap = document.createDocumentFragment();
    wrap.appendChild(element("h3", title));
    wrap.appendChild(content || element("p", empty, "hint"));
    return wrap;
  }

  function showConflict(body) {
    conflicted = true;
    theirVersion = body.version;
    var theirs = body.theirs || {};
    conflictTheirs.textContent = "";
    var who = body.saved_by ? " by " + body.saved_by : "";
    var when = body.saved_at ? ", saved at " + body.saved_at : "";
    conflictTheirs.appendChild(element("p", "Their version " + body.version + when + who + ".", "hint"));
    var view = element("div", null, "note-view");
    var questions = theirs.questions || [];
    view.appendChild(section("Discussion questions", questions.length ? listOf("ol", questions, function (li, q) { li.textContent = q; }) : null, "None recorded."));
    var summary = theirs.summary ? element("p", theirs.summary, "summary plain-summary") : null;
    view.appendChild(section("Summary", summary, "No summary."));
    var themes = theirs.themes || [];
    view.appendChild(section("Key themes", themes.length ? listOf("ul", themes, function (li, t) { li.textContent = t; }) : null, "None."));
    var actions = theirs.actions || [];
    view.appendChild(section("Actions and recommendations", actions.length ? listOf("ul", actions, function (li, a) {
      li.textContent = a.text + (a.owner ? " (" + a.owner + ")" : "") + (a.for_steering ? " [for the steering committee]" : "");
    }) : null, "None."));
    var quotes = theirs.quotes || [];
    view.appendChild(section("Quotes", quotes.length ? listOf("ul", quotes, function (li, q) { li.textContent = "“" + q.text + "”"; }) : null, "None."));
    var count = theirs.head_count === null || theirs.head_count === undefined ? "Not recorded" : String(theirs.head_count);
    view.appendChild(section("Head count", element("p", count)));
    conflictTheirs.appendChild(view);
    conflictBox.hidden = false;
    if (conflictButtons) conflictButtons.hidden = false;
    if (layout) layout.classList.add("has-conflict");
    say("Not saved: someone else saved these notes first. Compare the two versions.", true);
    conflictBox.focus();
  }

  if (conflicted) {
    // The page came back from the server with a conflict: the form already carries their
    // version number, so autosave waits until the person chooses which version to keep.
    theirVersion = versionInput.value;
    if (conflictButtons) conflictButtons.hidden = false;
  }

  if (keepMine) {
    keepMine.addEventListener("click", function () {
      if (theirVersion !== null) versionInput.value = String(theirVersion);
      conflicted = false;
      conflictBox.hidden = true;
      if (layout) layout.classList.remove("has-conflict");
      dirty = true;
      save();
    });
  }

  function submitForm(submitter) {
    submitting = true;
    dirty = false;
    if (form.requestSubmit && submitter) {
      form.requestSubmit(submitter);
    } else {
      form.submit();
    }
  }

  form.addEventListener("submit", function (event) {
    if (timer) {
      window.clearTimeout(timer);
      timer = null;
    }
    if (inFlight) {
      // Wait for the autosave so this save is based on the version it produced.
      event.preventDefault();
      pendingSubmitter = event.submitter || null;
      say("Finishing the autosave first…");
      return;
    }
    submitting = true;
    dirty = false;
  });

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // "Add another action/quote": copy the last row with the next number and empty fields.
  Array.prototype.forEach.call(form.querySelectorAll("[data-add-row]"), function (button) {
    var prefix = button.getAttribute("data-add-row");
    var pattern = new RegExp("^" + prefix + "-\\d+-");
    button.hidden = false;
    button.addEventListener("click", function () {
      var group = button.closest("[data-rows]");
      var rows = group.querySelectorAll("[data-row]");
      var last = rows[rows.length - 1];
      var index = rows.length;
      var copy = last.cloneNode(true);
      var rename = function (value) {
        return value.split(" ").map(function (part) {
          return part.replace(pattern, prefix + "-" + index + "-");
        }).join(" ");
      };
      Array.prototype.forEach.call(copy.querySelectorAll("[id],[name],[for],[aria-describedby],[href]"), function (node) {
        ["id", "name", "for", "aria-describedby"].forEach(function (attribute) {
          if (node.hasAttribute(attribute)) node.setAttribute(attribute, rename(node.getAttribute(attribute)));
        });
      });
      Array.prototype.forEach.call(copy.querySelectorAll(".error-message"), function (node) { node.remove(); });
      Array.prototype.forEach.call(copy.querySelectorAll(".field-error"), function (node) { node.classList.remove("field-error"); });
      Array.prototype.forEach.call(copy.querySelectorAll("input, textarea"), function (node) {
        node.removeAttribute("aria-invalid");
        if (node.type === "checkbox") node.checked = false;
        else node.value = "";
      });
      var title = copy.querySelector(".entry-title");
      if (title) title.textContent = title.textContent.replace(/\d+$/, String(index + 1));
      last.parentNode.insertBefore(copy, button);
      var first = copy.querySelector("textarea, input");
      if (first) first.focus();
    });
  });
})();
