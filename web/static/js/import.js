// The import page: files (dropped or chosen) go to POST /api/project/import as one
// multipart upload, pasted JSON as a JSON body. A bar shows the bytes sent, then
// "importing" while the server works (a 200 MB CSV takes a while); then the answer, with
// the per-task errors of a refused import.
(function () {
  'use strict';

  var LS = window.LS;
  var el = LS.el;
  var chosen = [];
  var drop = document.getElementById('drop');
  var input = document.getElementById('files');
  var list = document.getElementById('file-list');
  var result = document.getElementById('result');
  var errors = document.getElementById('errors');
  var upload = document.getElementById('upload');
  var bar = document.getElementById('upload-bar');
  var status = document.getElementById('upload-status');
  var button = document.getElementById('import');

  function sizeText(bytes) {
    if (bytes < 1024) return bytes + ' B';
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KB';
    return (bytes / 1024 / 1024).toFixed(1) + ' MB';
  }

  function choose(files) {
    chosen = Array.from(files);
    list.replaceChildren.apply(list, chosen.map(function (f) { return el('li', { text: f.name + ' (' + sizeText(f.size) + ')' }); }));
  }

  input.addEventListener('change', function () { choose(input.files); });
  ['dragenter', 'dragover'].forEach(function (type) {
    drop.addEventListener(type, function (e) {
      e.preventDefault();
      drop.classList.add('over');
    });
  });
  ['dragleave', 'drop'].forEach(function (type) {
    drop.addEventListener(type, function (e) {
      e.preventDefault();
      drop.classList.remove('over');
    });
  });
  drop.addEventListener('drop', function (e) { choose(e.dataTransfer.files); });

  /**
   * Sends the body with XMLHttpRequest, which reports upload progress (fetch does not).
   * Resolves with {status, ok, body} like LS.api.
   */
  function send(body, contentType) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      var dedupe = document.getElementById('dedupe').checked ? '?dedupe=1' : '';
      xhr.open('POST', LS.scoped('/api/project/import' + dedupe));
      xhr.setRequestHeader('Accept', 'application/json');
      if (contentType) xhr.setRequestHeader('Content-Type', contentType);
      upload.hidden = false;
      bar.max = 1;
      bar.value = 0;
      status.textContent = 'Sending…';
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable) return;
        bar.max = e.total;
        bar.value = e.loaded;
        status.textContent = 'Sent ' + sizeText(e.loaded) + ' of ' + sizeText(e.total);
      };
      xhr.upload.onload = function () {
        bar.removeAttribute('value'); // indeterminate: the server is working
        status.textContent = 'Importing…';
      };
      xhr.onload = function () {
        var parsed = xhr.responseText;
        try {
          parsed = JSON.parse(xhr.responseText);
        } catch (_) {
          // not JSON: shown as text
        }
        resolve({ status: xhr.status, ok: xhr.status >= 200 && xhr.status < 300, body: parsed });
      };
      xhr.onerror = function () { reject(new Error('The upload failed: the server cannot be reached')); };
      xhr.send(body);
    });
  }

  function showResult(res) {
    errors.replaceChildren();
    if (res.ok) {
      var b = res.body;
      var parts = [b.task_count + ' task' + (b.task_count === 1 ? '' : 's') + ' imported'];
      if (b.completion_count) parts.push(b.completion_count + ' completions');
      if (b.prediction_count) parts.push(b.prediction_count + ' predictions');
      if (b.skipped_count) parts.push(b.skipped_count + ' already there, skipped');
      result.className = 'ok';
      result.replaceChildren(parts.join(', ') + ' in ' + b.duration + ' s. ', el('a', { href: LS.scoped('/tasks'), text: 'See the tasks' }), ' or ', el('a', { href: LS.scoped('/'), text: 'start labeling' }), '.');
      status.textContent = 'Done.';
      bar.max = 1;
      bar.value = 1;
      LS.refreshProgress();
      return;
    }
    result.className = 'error';
    result.textContent = 'Nothing was imported: ' + LS.errorText(res);
    status.textContent = 'Failed.';
    var list = res.body && Array.isArray(res.body.errors) ? res.body.errors : [];
    errors.replaceChildren.apply(errors, list.map(function (e) { return el('li', { text: String(e) }); }));
  }

  button.addEventListener('click', async function () {
    var json = document.getElementById('json').value.trim();
    if (chosen.length === 0 && json === '') {
      result.className = 'error';
      result.textContent = 'Choose files or paste JSON first.';
      return;
    }
    var body;
    var type;
    if (chosen.length > 0) {
      body = new FormData();
      chosen.forEach(function (f) { body.append(f.name, f, f.name); });
    } else {
      try {
        JSON.parse(json);
      } catch (err) {
        result.className = 'error';
        result.textContent = 'The pasted text is not JSON: ' + err.message;
        return;
      }
      body = json;
      type = 'application/json';
    }
    button.disabled = true;
    result.textContent = '';
    try {
      showResult(await send(body, type));
    } catch (err) {
      result.className = 'error';
      result.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
})();
