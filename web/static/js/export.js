// The export page: the formats the current config supports (GET
// /api/project/export/formats), and a download of the chosen one (the browser follows
// GET /api/project/export?format=F, whose Content-Disposition names the file).
(function () {
  'use strict';

  var LS = window.LS;
  var el = LS.el;
  var box = document.getElementById('formats');
  var message = document.getElementById('message');

  async function load() {
    var res = await LS.api('GET', '/api/project/export/formats');
    if (!res.ok) {
      box.textContent = LS.errorText(res);
      return;
    }
    box.replaceChildren.apply(
      box,
      res.body.map(function (f, i) {
        return el('label', { class: 'format' }, [
          el('input', { type: 'radio', name: 'format', value: f.name, checked: i === 0 }),
          ' ',
          el('b', { text: f.title }),
          f.title.replace(/[^A-Z0-9]/gi, '').toUpperCase() === f.name.replace(/[^A-Z0-9]/gi, '').toUpperCase() ? '' : ' (' + f.name + ')',
          el('small', { text: f.description }),
        ]);
      }),
    );
    if (res.body.length === 0) box.textContent = 'No export format fits this labeling config.';
  }

  document.getElementById('export-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var picked = document.querySelector('input[name="format"]:checked');
    if (!picked) return;
    var url = '/api/project/export?format=' + encodeURIComponent(picked.value) + (document.getElementById('zip').checked ? '&zip=1' : '');
    message.textContent = 'Downloading ' + picked.value + '…';
    message.className = 'message';
    // A download, not a navigation: the page stays. An error answer (JSON) would open as a
    // page, so the export is asked for its headers first.
    LS.api('HEAD', url).then(function (res) {
      if (!res.ok) {
        message.textContent = 'The export failed (' + res.status + ').';
        message.className = 'message error';
        return;
      }
      var link = el('a', { href: LS.scoped(url), download: '' });
      document.body.append(link);
      link.click();
      link.remove();
    });
  });

  load();
})();
