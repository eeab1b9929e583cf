/* peerkit default theme: what only the lounge kiosk does. The public site
   never loads this file (its request page carries the tag in a comment that
   peerkiosk's pages.c turns into a script), so it never clears a form or
   leaves a page by itself. Needs site.js (window.peerkit). */
(function () {
  'use strict';

  /* A form left alone is cleared, so the next person does not see what
     someone typed: after the site's idle time less a countdown, a dialog
     counts down with an "I'm still here" button; then the form is cleared. */
  function kioskIdle() {
    var form = document.getElementById('request-form');
    var fields = document.getElementById('request-fields');
    if (!form || !fields) return;
    var idle = parseInt(document.body.getAttribute('data-idle'), 10) || 120;
    var countdown = Math.min(30, Math.floor(idle / 2));
    var timer = null, ticker = null, left = 0;

    var dialog = document.createElement('dialog');
    dialog.className = 'idle-warning';
    dialog.setAttribute('aria-labelledby', 'idle-title');
    dialog.setAttribute('aria-describedby', 'idle-text');
    var h = document.createElement('h2');
    h.id = 'idle-title';
    h.textContent = 'Are you still there?';
    var p = document.createElement('p');
    p.id = 'idle-text';
    var secs = document.createElement('strong');
    secs.className = 'idle-seconds';
    p.appendChild(document.createTextNode('For privacy, this form will be cleared in '));
    p.appendChild(secs);
    p.appendChild(document.createTextNode('. Your request has not been sent.'));
    var stay = document.createElement('button');
    stay.type = 'button';
    stay.textContent = 'I’m still here';
    dialog.appendChild(h);
    dialog.appendChild(p);
    dialog.appendChild(stay);
    document.body.appendChild(dialog);

    function show() { secs.textContent = left + (left === 1 ? ' second' : ' seconds'); }
    function clear() {
      clearInterval(ticker);
      ticker = null;
      if (dialog.open) dialog.close();
      window.peerkit.clearForm(form);
      window.scrollTo(0, 0);
      arm();
    }
    function warn() {
      left = countdown;
      show();
      /* Counting first: the focus that moves into the dialog is no sign of
         someone at the kiosk. */
      ticker = setInterval(function () {
        left--;
        if (left <= 0) clear(); else show();
      }, 1000);
      if (dialog.showModal) dialog.showModal(); else dialog.setAttribute('open', '');
      stay.focus();
    }
    function arm() {
      clearTimeout(timer);
      timer = setTimeout(warn, (idle - countdown) * 1000);
    }
    function still() {
      clearInterval(ticker);
      ticker = null;
      if (dialog.open) dialog.close();
      arm();
    }
    stay.addEventListener('click', still);
    dialog.addEventListener('cancel', function (ev) { ev.preventDefault(); still(); });
    ['input', 'change', 'keydown', 'pointerdown', 'scroll'].forEach(function (ev) {
      document.addEventListener(ev, function () { if (!ticker) arm(); }, { passive: true });
    });
    window.addEventListener('pageshow', function (ev) { if (ev.persisted) clear(); });
    /* Posted without the sealing script: the kiosk seals it; the page that
       comes back must not find the form filled. */
    form.addEventListener('submit', function (ev) {
      setTimeout(function () { if (!ev.defaultPrevented) window.peerkit.clearForm(form); }, 0);
    });
    arm();
  }

  /* The kiosk's thank-you page: back to the home page after the idle time,
     so the next person does not see someone else's reference. */
  function returnHome() {
    var link = document.querySelector('a[data-return-home]');
    if (!link) return;
    var seconds = parseInt(link.getAttribute('data-return-home'), 10) || 120;
    setTimeout(function () { location.replace(link.href); }, seconds * 1000);
  }

  function init() {
    returnHome();
    if (window.peerkit) kioskIdle();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
