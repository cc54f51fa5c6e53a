// The setup page: the labeling config in a text area, checked by the server as it is typed
// (POST /api/validate-config, whose messages are shown as they are), a template from the
// 54 example configs, and Save (POST /api/project/config).
(function () {
  'use strict';

  var LS = window.LS;
  var editor = document.getElementById('config');
  var validation = document.getElementById('validation');
  var saveStatus = document.getElementById('save-status');
  var picker = document.getElementById('template');
  var templates = [];
  var saved = LS.data.labelConfig || '';
  editor.value = saved;

  function showMessages(lines, kind) {
    validation.replaceChildren.apply(validation, lines.map(function (line) { return LS.el('p', { class: kind, text: line }); }));
  }

  // Only the answer to the latest text is shown: an older request may come back later.
  var checked = 0;
  async function validate() {
    var mine = ++checked;
    var res;
    try {
      res = await LS.api('POST', '/api/validate-config', { label_config: editor.value });
    } catch (err) {
      if (mine === checked) showMessages([err.message], 'error');
      return;
    }
    if (mine !== checked) return;
    if (res.status === 204) return showMessages(['The config is valid.'], 'ok');
    var b = res.body;
    showMessages(b && Array.isArray(b.label_config) ? b.label_config : [LS.errorText(res)], 'error');
  }

  var timer;
  editor.addEventListener('input', function () {
    saveStatus.textContent = editor.value === saved ? '' : 'Not saved';
    clearTimeout(timer);
    timer = setTimeout(validate, 300);
  });

  picker.addEventListener('change', function () {
    var t = templates.find(function (x) { return x.name === picker.value; });
    if (!t) return;
    if (editor.value !== saved && !confirm('Replace the config you are editing with the template "' + t.title + '"?')) {
      picker.value = '';
      return;
    }
    editor.value = t.config;
    saveStatus.textContent = 'Not saved';
    validate();
  });

  document.getElementById('save').addEventListener('click', async function () {
    var button = this;
    button.disabled = true;
    saveStatus.textContent = 'Saving…';
    saveStatus.className = '';
    try {
      var res = await LS.api('POST', '/api/project/config', { label_config: editor.value });
      if (res.ok) {
        saved = editor.value;
        saveStatus.textContent = 'Saved.';
        saveStatus.className = 'ok';
        showMessages(['The config is valid.'], 'ok');
      } else {
        saveStatus.textContent = 'Not saved.';
        saveStatus.className = 'error';
        var b = res.body;
        showMessages(b && Array.isArray(b.label_config) ? b.label_config : [LS.errorText(res)], 'error');
      }
    } catch (err) {
      saveStatus.textContent = err.message;
      saveStatus.className = 'error';
    } finally {
      button.disabled = false;
    }
  });

  async function loadTemplates() {
    var res = await LS.api('GET', '/api/templates');
    if (!res.ok) return;
    templates = res.body;
    var groups = {};
    templates.forEach(function (t) {
      if (!groups[t.category]) {
        groups[t.category] = LS.el('optgroup', { label: t.category });
        picker.append(groups[t.category]);
      }
      groups[t.category].append(LS.el('option', { value: t.name, text: t.title }));
    });
  }

  loadTemplates();
  validate();
})();
