// Shared by every page: the page's data (the JSON in #page-data, written by the server),
// requests to the API, the header's progress line and the annotator name.
// Plain browser JavaScript, served as it is: no build step.
(function () {
  'use strict';

  var dataElement = document.getElementById('page-data');
  var data = dataElement ? JSON.parse(dataElement.textContent) : {};

  // A page opened with ?project=<name> works on that project: every API request and every
  // link to another page carries the name on.
  var project = new URLSearchParams(location.search).get('project');

  /** A path of ours with this page's ?project= added (when it has one). */
  function scoped(path) {
    if (!project) return path;
    return path + (path.indexOf('?') >= 0 ? '&' : '?') + 'project=' + encodeURIComponent(project);
  }

  /**
   * One API request. Resolves with {status, ok, body}: body is the parsed JSON, or the
   * text when the answer is not JSON. Rejects only when the server cannot be reached.
   */
  async function api(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var res;
    try {
      res = await fetch(scoped(path), init);
    } catch (err) {
      throw new Error('The server cannot be reached (' + err.message + ')');
    }
    var text = await res.text();
    var parsed = text;
    if ((res.headers.get('Content-Type') || '').indexOf('json') >= 0 && text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch (_) {
        parsed = text;
      }
    }
    return { status: res.status, ok: res.ok, body: parsed };
  }

  /** What went wrong, in the server's words: detail, the config messages, the import errors. */
  function errorText(res) {
    var b = res.body;
    if (b && typeof b === 'object') {
      if (Array.isArray(b.label_config) && b.label_config.length) return b.label_config.join('\n');
      if (typeof b.detail === 'string') return b.detail;
    }
    if (typeof b === 'string' && b !== '') return b;
    return 'The server answered ' + res.status;
  }

  /** An element with attributes and children (strings become text: nothing is parsed as HTML). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = value;
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    (children || []).forEach(function (child) {
      if (child !== undefined && child !== null) node.append(child);
    });
    return node;
  }

  /** Refreshes the header's "done / total" from the project's counts. */
  async function refreshProgress() {
    var res = await api('GET', '/api/project');
    if (!res.ok) return;
    var done = res.body.completion_count;
    var total = res.body.task_count;
    document.getElementById('progress-done').textContent = String(done);
    document.getElementById('progress-total').textContent = String(total);
    var bar = document.getElementById('progress-bar');
    bar.max = Math.max(total, 1);
    bar.value = done;
  }

  // The annotator name is the annotator cookie (the server gave this browser one on its
  // first visit). Changing it changes who next() reserves tasks for and who completions
  // are recorded as, so the page is reloaded.
  var ANNOTATOR_COOKIE_SECONDS = 365 * 24 * 3600;

  function setAnnotator(name) {
    document.cookie = 'annotator=' + encodeURIComponent(name) + '; Path=/; Max-Age=' + ANNOTATOR_COOKIE_SECONDS + '; SameSite=Lax';
  }

  function setUpAnnotator() {
    var change = document.getElementById('annotator-change');
    var form = document.getElementById('annotator-form');
    var input = document.getElementById('annotator-input');
    var shown = document.getElementById('annotator-name');
    if (!change || !form) return;
    change.addEventListener('click', function () {
      form.hidden = false;
      change.hidden = true;
      shown.hidden = true;
      input.value = data.annotator || '';
      input.focus();
      input.select();
    });
    document.getElementById('annotator-cancel').addEventListener('click', function () {
      form.hidden = true;
      change.hidden = false;
      shown.hidden = false;
    });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var name = input.value.trim();
      if (name === '') return;
      setAnnotator(name);
      location.reload();
    });
  }

  setUpAnnotator();

  window.LS = { data: data, api: api, scoped: scoped, errorText: errorText, el: el, refreshProgress: refreshProgress };
})();
