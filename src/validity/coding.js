"use strict";
(function () {
  var errors = [];
  var violations = [];
  var selftest = location.hash === "#selftest";
  window.addEventListener("error", function (e) { errors.push(String(e.message || e)); });
  window.addEventListener("unhandledrejection", function (e) { errors.push("unhandled rejection: " + String(e.reason)); });
  document.addEventListener("securitypolicyviolation", function (e) { violations.push(e.violatedDirective + " " + e.blockedURI); });
  if (selftest) {
    var consoleError = console.error;
    console.error = function () { errors.push(Array.prototype.join.call(arguments, " ")); consoleError.apply(console, arguments); };
  }

  var sample = JSON.parse(document.getElementById("sample").textContent);
  var RESPONDED = [["yes", "1"], ["no", "2"], ["unknown", "3"], ["none", "4"]];
  var RESOLUTION = [["resolved", "5"], ["unresolved", "6"], ["unknown", "7"], ["none", "8"]];
  var SWITCHED = [["yes", "9"], ["no", "0"]];
  var LATENCY = [["at_most", "a"], ["at_least", "l"], ["approximate", "x"], ["bounded", "b"], ["none", "o"]];
  var CHANNELS = [["twitter", "t"], ["twitter_dm", "d"], ["facebook", "f"], ["facebook_messenger", "m"],
    ["instagram", "i"], ["phone", "p"], ["email", "e"], ["mail", "l"], ["web_form", "w"], ["live_chat", "h"],
    ["in_person", "s"], ["video", "v"], ["review_site", "r"], ["forum_or_blog", "b"], ["third_party", "x"]];

  var storeKey = "replyscope-coding:" + (sample.length ? JSON.stringify(sample[0].sample) + sample[0].id + sample.length : "empty");
  var state = { at: 0, coder: "", codes: sample.map(function () { return {}; }) };
  try {
    var saved = selftest ? null : window.localStorage.getItem(storeKey);
    if (saved) {
      var s = JSON.parse(saved);
      if (s && s.codes && s.codes.length === sample.length) { state = s; }
    }
  } catch (e) { /* no storage on this page: work is kept until it is closed */ }
  function persist() {
    if (selftest) { return; }
    try { window.localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* ignore */ }
  }

  var $ = function (id) { return document.getElementById(id); };
  var chord = false;

  function choices(id, options, field, toggle) {
    var box = $(id);
    box.textContent = "";
    options.forEach(function (o) {
      var b = document.createElement("span");
      b.className = "choice";
      b.dataset.value = o[0];
      b.appendChild(document.createTextNode(o[0].replace(/_/g, " ") + " "));
      var k = document.createElement("kbd");
      k.textContent = o[1];
      b.appendChild(k);
      b.addEventListener("click", function () { toggle ? toggleChannel(o[0]) : set(field, o[0]); });
      box.appendChild(b);
    });
  }

  function code() { return state.codes[state.at]; }

  function set(field, value) {
    var c = code();
    c[field] = c[field] === value ? undefined : value;
    persist();
    render();
  }

  function toggleChannel(ch) {
    var c = code();
    var list = c.channels || [];
    var i = list.indexOf(ch);
    if (i >= 0) { list.splice(i, 1); } else { list.push(ch); }
    c.channels = list;
    persist();
    render();
  }

  function seconds(text) {
    var m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)?\s*$/.exec(text || "");
    if (!m) { return null; }
    var per = { s: 1, m: 60, min: 60, h: 3600, d: 86400, w: 604800 }[m[2] || "s"];
    return Math.round(parseFloat(m[1]) * per);
  }

  function mark(id, value, many) {
    Array.prototype.forEach.call($(id).children, function (b) {
      var on = many ? (value || []).indexOf(b.dataset.value) >= 0 : b.dataset.value === value;
      b.classList.toggle("on", on);
    });
  }

  function render() {
    var d = sample[state.at] || {};
    var c = code() || {};
    $("progress").textContent = sample.length ? (state.at + 1) + " of " + sample.length + " · coded " +
      state.codes.filter(function (x) { return x.responded !== undefined; }).length : "the sample is empty";
    var meta = [d.id, d.source, d.kind, d.created_at, d.author ? "by " + d.author : null,
      d.inbound === false ? "(a company's post)" : null].filter(Boolean);
    $("meta").textContent = meta.join(" · ");
    var given = Object.keys(d.given || {}).map(function (k) { return k + ": " + d.given[k]; });
    $("given").textContent = given.length ? "given by the data set: " + given.join("; ") : "";
    $("text").textContent = (d.title && d.text && d.text.indexOf(d.title) !== 0 ? d.title + "\n\n" : "") + (d.text || "");
    if (document.activeElement !== $("company")) { $("company").value = c.company || ""; }
    if (document.activeElement !== $("seconds")) { $("seconds").value = c.seconds_text || ""; }
    if (document.activeElement !== $("note")) { $("note").value = c.note || ""; }
    $("coder").value = state.coder || "";
    mark("responded", c.responded);
    mark("resolution", c.resolution);
    mark("switched", c.switched);
    mark("latency", c.latency_kind);
    mark("channels", c.channels, true);
    var secs = seconds(c.seconds_text);
    $("seconds-shown").textContent = c.seconds_text ? (secs === null ? "not a duration" : "= " + secs + " s") : "";
    document.body.classList.toggle("chord", chord);
  }

  function move(by) {
    state.at = Math.max(0, Math.min(sample.length - 1, state.at + by));
    persist();
    render();
  }

  function companies(text) {
    return (text || "").split(",").map(function (x) {
      return x.trim().toLowerCase().replace(/&/g, "and").replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    }).filter(function (x, i, all) { return x && all.indexOf(x) === i; });
  }

  /** The coded records in the gold format of tests/gold/GUIDE.md, one JSON line each. */
  function codedJsonl() {
    var lines = [];
    sample.forEach(function (d, i) {
      var c = state.codes[i];
      if (c.responded === undefined) { return; }
      var none = function (v) { return v === undefined ? undefined : (v === "none" ? null : v); };
      var latency = null;
      if (c.latency_kind && c.latency_kind !== "none") {
        latency = { kind: c.latency_kind, seconds: c.latency_kind === "bounded" ? null : seconds(c.seconds_text), phrase: "" };
      }
      var r = {
        id: d.id, interaction: d.interaction || null, source: d.source, kind: d.kind, shape: d.shape || null,
        channel: d.channel || null, text: d.text, author: d.author || null,
        inbound: d.inbound === undefined ? null : d.inbound, given: d.given || {},
        companies: { subject: companies(c.company) },
        channels: (c.channels || []).slice().sort(),
        responded: none(c.responded),
        latency: latency,
        resolution: none(c.resolution),
        switched: c.switched === undefined ? null : c.switched === "yes",
        note: c.note || "",
        coder: state.coder || "",
        stratum: d.stratum, weight: d.weight, population: d.population, sample: d.sample
      };
      if (r.resolution === undefined) { delete r.resolution; }
      lines.push(JSON.stringify(r));
    });
    return lines.length ? lines.join("\n") + "\n" : "";
  }

  function save() {
    var text = codedJsonl();
    var blob = new Blob([text], { type: "application/x-ndjson" });
    var url = URL.createObjectURL(blob);
    var name = "coded-" + ((state.coder || "coder").replace(/[^A-Za-z0-9_-]+/g, "_")) + ".jsonl";
    $("status").textContent = "saved " + text.split("\n").filter(Boolean).length + " coded records as " + name;
    if (selftest) { URL.revokeObjectURL(url); return text; }
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    return text;
  }

  function onKey(e) {
    var t = e.target;
    if (t && t.tagName === "INPUT") {
      if (e.key === "Enter" || e.key === "Escape") { t.blur(); e.preventDefault(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var k = e.key;
    if (chord) {
      chord = false;
      var ch = CHANNELS.filter(function (c) { return c[1] === k; })[0];
      if (ch) { toggleChannel(ch[0]); } else { render(); }
      e.preventDefault();
      return;
    }
    var pick = function (list, field) {
      var o = list.filter(function (x) { return x[1] === k; })[0];
      if (o) { set(field, o[0]); return true; }
      return false;
    };
    if (k === "j" || k === "ArrowRight") { move(1); }
    else if (k === "k" || k === "ArrowLeft") { move(-1); }
    else if (pick(RESPONDED, "responded") || pick(RESOLUTION, "resolution") || pick(SWITCHED, "switched") || pick(LATENCY, "latency_kind")) { /* set */ }
    else if (k === "c") { chord = true; render(); }
    else if (k === "g") { $("company").focus(); }
    else if (k === "s") { $("seconds").focus(); }
    else if (k === "n") { $("note").focus(); }
    else if (k === "w") { save(); }
    else if (k === "?") { $("help").classList.toggle("hidden"); }
    else { return; }
    e.preventDefault();
  }

  choices("responded", RESPONDED, "responded");
  choices("resolution", RESOLUTION, "resolution");
  choices("switched", SWITCHED, "switched");
  choices("latency", LATENCY, "latency_kind");
  choices("channels", CHANNELS, null, true);
  document.addEventListener("keydown", onKey);
  $("company").addEventListener("input", function () { code().company = this.value; persist(); });
  $("seconds").addEventListener("input", function () { code().seconds_text = this.value; persist(); render(); });
  $("note").addEventListener("input", function () { code().note = this.value; persist(); });
  $("coder").addEventListener("input", function () { state.coder = this.value; persist(); });
  $("save").addEventListener("click", save);
  $("help-toggle").addEventListener("click", function () { $("help").classList.toggle("hidden"); });
  if (sample.length) { $("help").classList.add("hidden"); }
  render();

  if (selftest) { runSelftest(); }

  /** coding.html#selftest: a scripted sequence of keys, its coded JSONL written into the page. */
  function runSelftest() {
    var out = { errors: errors, violations: violations, records: sample.length };
    try {
      var key = function (k, target) {
        (target || document.body).dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
      };
      var type = function (focusKey, id, value) {
        key(focusKey);
        if (document.activeElement !== $(id)) { throw new Error(focusKey + " did not focus #" + id); }
        $(id).value = value;
        $(id).dispatchEvent(new Event("input", { bubbles: true }));
        key("Enter", $(id));
      };
      state.coder = "selftest";
      // Text 1: answered, resolved, by phone and email, moved, "within 5 minutes", Acme.
      ["1", "5", "c", "p", "c", "e", "9", "a"].forEach(function (k) { key(k); });
      type("s", "seconds", "5m");
      type("g", "company", "Acme Corp, acme corp");
      key("j");
      // Text 2: unanswered, unresolved, twitter, not moved, no latency; then back and forth.
      ["2", "6", "c", "t", "0", "o", "k", "j"].forEach(function (k) { key(k); });
      // Text 3 (if any): unknown; toggling a channel twice leaves it off.
      key("j");
      ["3", "c", "d", "c", "d", "c", "q"].forEach(function (k) { key(k); });
      out.help_shown = !$("help").classList.contains("hidden");
      key("?");
      out.help_after_toggle = !$("help").classList.contains("hidden");
      out.at = state.at;
      out.coded = save();
    } catch (e) {
      errors.push("selftest: " + e.message);
    }
    // A connection the Content-Security-Policy must refuse: proves the page cannot reach
    // the network. The verdict lands after the request settles.
    var finish = function (blocked) {
      out.fetch_blocked = blocked;
      var pre = $("selftest");
      pre.textContent = JSON.stringify(out);
      pre.hidden = false;
      pre.dataset.done = "1";
    };
    try {
      fetch("http://127.0.0.1:9/replyscope-selftest").then(function () { finish(false); }, function () {
        setTimeout(function () { finish(true); }, 0);
      });
    } catch (e) { finish(true); }
  }
})();
