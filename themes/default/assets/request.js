/* peerkit default theme: the request page seals in the browser (DESIGN §5).
 *
 * Fails closed: the form's fields stay disabled (the page's HTML says so)
 * until libsodium, the form's rules and the administrator's key are ready,
 * and every submission is taken over here, so no plaintext is ever posted.
 * The envelope is byte for byte the C one (sealed/envelope.c): "PKEV", version
 * 1, the 8-byte key id, then crypto_box_seal of the plaintext JSON
 * {v, schema, channel, submitted, reference, fields} padded ISO/IEC 7816-4 to
 * 1, 2, 4 ... 64 KiB. Delivery: the kiosk's own /drop (the kiosk marks its
 * page; when it fails, the page says so and returns home, since a shared
 * machine must not offer the sealed text), else submit_url (a peerkiosk
 * drop; when it fails, the armored text), else armored text to copy,
 * download or email. Nothing is stored: no localStorage, nothing in the URL;
 * the form is cleared once sealed. */
(function () {
  'use strict';

  var BEGIN = '-----BEGIN PEERKIT REQUEST-----';
  var END = '-----END PEERKIT REQUEST-----';
  var REF_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  var MAILTO_MAX = 2000; /* longer mailto links are cut by some mail programs */

  /* ---- the envelope format (pure functions of sodium and their inputs) ---- */

  function keyId(sodium, boxPk) {
    return sodium.crypto_generichash(32, boxPk).subarray(0, 8);
  }

  /* "3F2A 91C0 ...": the first 16 bytes of BLAKE2b-256(box_pk || sign_pk). */
  function fingerprint(sodium, boxPk, signPk) {
    var both = new Uint8Array(64);
    both.set(boxPk, 0);
    both.set(signPk, 32);
    var h = sodium.crypto_generichash(32, both), groups = [];
    for (var g = 0; g < 8; g++) {
      groups.push(sodium.to_hex(h.subarray(2 * g, 2 * g + 2)).toUpperCase());
    }
    return groups.join(' ');
  }

  function reference(sodium) {
    var out = '';
    for (var i = 0; i < 8; i++) {
      if (i === 4) out += '-';
      out += REF_ALPHABET.charAt(sodium.randombytes_uniform(32));
    }
    return out;
  }

  /* "2026-01-01T12:00:00Z", as clock_iso writes it. */
  function isoNow(date) {
    return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /* The plaintext JSON, members in envelope_seal's order. */
  function plaintext(schemaHash, channel, submitted, ref, fields) {
    return JSON.stringify({ v: 1, schema: schemaHash, channel: channel, submitted: submitted,
                            reference: ref, fields: fields });
  }

  function bucket(len) {
    var b = 1024;
    while (b < len + 1) b *= 2;
    return b;
  }

  /* The padded plaintext (the caller wipes it), or null when too large. */
  function padded(sodium, text) {
    var bytes = sodium.from_string(text);
    if (bytes.length === 0 || bytes.length >= 65536) return null;
    var out = sodium.pad(bytes, bucket(bytes.length));
    sodium.memzero(bytes);
    return out;
  }

  function envelope(sodium, boxPk, pad) {
    var sealed = sodium.crypto_box_seal(pad, boxPk);
    var env = new Uint8Array(13 + sealed.length);
    env.set([0x50, 0x4b, 0x45, 0x56, 1], 0); /* "PKEV", version 1 */
    env.set(keyId(sodium, boxPk), 5);
    env.set(sealed, 13);
    return env;
  }

  function armor(sodium, env) {
    var b64 = sodium.to_base64(env, sodium.base64_variants.ORIGINAL), lines = [BEGIN];
    for (var i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
    lines.push(END);
    return lines.join('\n') + '\n';
  }

  /* ---- the form's rules (sealed/formspec.c, from request-schema.json) ---- */

  function codePoints(s) { return Array.from(s).length; }

  /* Controls (but tab and line breaks in a textarea), and a UTF-16
     surrogate without its pair: JSON.stringify keeps that as "\ud800",
     which is no Unicode text and which import refuses. The kiosk reads only
     UTF-8, where neither can hide (sealed/formspec.c). */
  function badControls(s, multiline) {
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if ((c < 0x20 || c === 0x7f) && !(multiline && (c === 10 || c === 13 || c === 9))) return true;
      if (c >= 0xdc00 && c <= 0xdfff) return true;
      if (c >= 0xd800 && c <= 0xdbff) {
        var next = s.charCodeAt(i + 1);
        if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
        i++;
      }
    }
    return false;
  }

  function emailShape(s) {
    var at = s.indexOf('@');
    if (at <= 0 || s.indexOf('@', at + 1) !== -1 || s.indexOf(' ') !== -1) return false;
    var dot = s.lastIndexOf('.');
    return dot > at + 1 && dot < s.length - 1;
  }

  function telShape(s) {
    var digits = 0;
    for (var i = 0; i < s.length; i++) {
      var ch = s.charAt(i);
      if (ch >= '0' && ch <= '9') digits++;
      else if (' +-().x'.indexOf(ch) === -1) return false;
    }
    return digits >= 3;
  }

  /* formspec_required_message's words. */
  function requiredMessage(type) {
    if (type === 'checkbox') return 'required: please tick this box';
    if (type === 'checkboxes') return 'required: please choose at least one';
    if (type === 'radio' || type === 'select') return 'required: please choose one';
    return 'required: please fill this in';
  }

  function hasOption(field, value) {
    return (field.options || []).some(function (o) { return o.value === value; });
  }

  /* {fields, problems}: the values given (empty ones dropped), and
     [{id, label, message}] for each rule broken. */
  function validate(schema, values) {
    var fields = {}, problems = [];
    schema.fields.forEach(function (f) {
      var v = values[f.id], given, msg = null;
      if (f.type === 'checkboxes') {
        v = v || [];
        given = v.length > 0;
        if (v.some(function (x) { return !hasOption(f, x); })) msg = 'not one of the choices';
      } else {
        v = v || '';
        given = v.length > 0;
        if (given) {
          if (badControls(v, f.type === 'textarea')) msg = 'contains characters that are not allowed';
          else if (codePoints(v) > f.max) msg = 'too long (at most ' + f.max + ' characters)';
          else if (f.type === 'email' && !emailShape(v)) msg = 'not an email address';
          else if (f.type === 'tel' && !telShape(v)) msg = 'not a phone or pager number';
          else if ((f.type === 'select' || f.type === 'radio') && !hasOption(f, v)) msg = 'not one of the choices';
          else if (f.type === 'checkbox' && v !== 'yes') msg = 'must be "yes" when ticked';
        }
      }
      if (!msg && !given && f.required) msg = requiredMessage(f.type);
      if (msg) problems.push({ id: f.id, label: f.label, message: msg });
      else if (given) fields[f.id] = v;
    });
    /* "At least one way to reach you", at the group's first field, in
       formspec_one_of_message's words. */
    var oneOf = schema.require_one_of || [];
    var any = oneOf.some(function (id) {
      var v = values[id];
      return v && v.length > 0;
    });
    if (oneOf.length && !any) {
      var labels = oneOf.map(function (id) {
        var f = schema.fields.filter(function (x) { return x.id === id; })[0];
        return f ? f.label : id;
      });
      var list = labels.length > 1 ? labels.slice(0, -1).join(', ') + ' or ' + labels[labels.length - 1] : labels[0];
      var first = schema.fields.filter(function (x) { return x.id === oneOf[0]; })[0];
      problems.push({ id: oneOf[0], label: first ? first.label : oneOf[0],
                      message: 'give at least one of ' + list + ', so we can reach you' });
    }
    return { fields: fields, problems: problems };
  }

  /* The values of the form's controls by field id, as the kiosk reads a
     form body: text as typed, a ticked checkbox "yes", checkboxes a list. */
  function readForm(form, schema) {
    var values = {};
    schema.fields.forEach(function (f) {
      var els = form.querySelectorAll('[name="' + f.id + '"]');
      if (f.type === 'checkboxes') {
        values[f.id] = Array.prototype.filter.call(els, function (e) { return e.checked; })
          .map(function (e) { return e.value; });
      } else if (f.type === 'radio' || f.type === 'checkbox') {
        var on = Array.prototype.filter.call(els, function (e) { return e.checked; })[0];
        values[f.id] = on ? on.value : '';
      } else if (els.length) {
        values[f.id] = els[0].value;
      }
    });
    return values;
  }

  /* ---- the page ------------------------------------------------------------ */

  function loadScript(src, integrity) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = src;
      s.integrity = integrity;
      s.onload = resolve;
      s.onerror = function () { reject(new Error('cannot load ' + src)); };
      document.head.appendChild(s);
    });
  }

  /* libsodium (the wrappers need the module first), the form's rules and
     their hash, the administrator's key. */
  function prepare(form) {
    var schemaBytes;
    var schema = fetch(form.getAttribute('data-schema'), { cache: 'no-cache', credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) throw new Error('request-schema.json: ' + r.status);
        return r.arrayBuffer();
      })
      .then(function (buf) { schemaBytes = new Uint8Array(buf); });
    var lib = loadScript(form.getAttribute('data-sodium'), form.getAttribute('data-sodium-integrity'))
      .then(function () {
        return loadScript(form.getAttribute('data-wrappers'), form.getAttribute('data-wrappers-integrity'));
      })
      .then(function () { return window.sodium.ready; });
    return Promise.all([schema, lib]).then(function () {
      var sodium = window.sodium;
      var boxPk = sodium.from_base64(form.getAttribute('data-box'), sodium.base64_variants.ORIGINAL);
      var signPk = sodium.from_base64(form.getAttribute('data-sign'), sodium.base64_variants.ORIGINAL);
      if (boxPk.length !== 32 || signPk.length !== 32) throw new Error('bad key');
      if (sodium.to_hex(keyId(sodium, boxPk)) !== form.getAttribute('data-key-id')) throw new Error('key id');
      return {
        sodium: sodium, boxPk: boxPk, signPk: signPk,
        schema: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(schemaBytes)),
        schemaHash: sodium.to_hex(sodium.crypto_generichash(32, schemaBytes)),
      };
    });
  }

  /* The id of a field's first control: where the summary's link goes. */
  function controlId(f) {
    var first = (f.options || [])[0];
    return 'f-' + f.id + ((f.type === 'radio' || f.type === 'checkboxes') && first ? '-' + first.value : '');
  }

  function capitalized(s) { return s.charAt(0).toUpperCase() + s.slice(1); }

  /* The GOV.UK error summary at the top of the page, each problem linking to
     its field (site.js moves focus there), and each field marked with its
     first message just before its controls: the same markup as the kiosk's
     problems page (kiosk/formfill.c). */
  function showProblems(form, box, schema, problems) {
    var clear = window.peerkit && window.peerkit.clearProblems;
    if (clear) clear(form);
    var order = {};
    schema.fields.forEach(function (f, i) { order[f.id] = i; });
    problems = problems.slice().sort(function (a, b) {
      var x = a.id in order ? order[a.id] : 1e9, y = b.id in order ? order[b.id] : 1e9;
      return x - y;
    });
    box.textContent = '';
    var alert = document.createElement('div');
    alert.setAttribute('role', 'alert');
    var h = document.createElement('h2');
    h.id = 'seal-errors-title';
    h.textContent = 'There is a problem';
    var p = document.createElement('p');
    p.textContent = 'Nothing was sealed or sent yet. Please check:';
    var ul = document.createElement('ul');
    var marked = {};
    problems.forEach(function (pr) {
      var f = schema.fields.filter(function (x) { return x.id === pr.id; })[0];
      var li = document.createElement('li');
      var text = (pr.label ? pr.label + ' — ' : '') + pr.message;
      if (f) {
        var a = document.createElement('a');
        a.href = '#' + controlId(f);
        a.textContent = text;
        li.appendChild(a);
        if (!marked[f.id]) { marked[f.id] = true; markField(form, f, pr.message); }
      } else {
        li.textContent = text;
      }
      ul.appendChild(li);
    });
    alert.appendChild(h);
    alert.appendChild(p);
    alert.appendChild(ul);
    box.appendChild(alert);
    box.hidden = false;
    box.focus();
  }

  function markField(form, f, message) {
    var wrap = form.querySelector('[data-field="' + f.id + '"]');
    if (!wrap) return;
    var errId = 'f-' + f.id + '-error';
    wrap.setAttribute('data-invalid', '');
    var msg = document.createElement('p');
    msg.className = 'error-message';
    msg.id = errId;
    var hidden = document.createElement('span');
    hidden.className = 'visually-hidden';
    hidden.textContent = 'Error:';
    msg.appendChild(hidden);
    msg.appendChild(document.createTextNode(' ' + capitalized(message)));
    var first = wrap.querySelector('input, select, textarea, .choice');
    if (first) first.parentNode.insertBefore(msg, first);
    else wrap.appendChild(msg);
    function describe(el) {
      var ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
      el.setAttribute('aria-describedby', [errId].concat(ids).join(' '));
    }
    var controls = wrap.querySelectorAll('input, select, textarea');
    if (f.type === 'radio' || f.type === 'checkboxes') describe(wrap);
    else if (controls[0]) describe(controls[0]);
    Array.prototype.forEach.call(controls, function (el) { el.setAttribute('aria-invalid', 'true'); });
  }

  /* Empties the form and its error marks (site.js); form.reset() where that
     script is missing. */
  function clearForm(form) {
    if (window.peerkit && window.peerkit.clearForm) window.peerkit.clearForm(form);
    else form.reset();
  }

  function showResult(id, ref) {
    ['seal-sent', 'seal-armor', 'seal-failed'].forEach(function (s) {
      var el = document.getElementById(s);
      if (el) el.hidden = s !== id;
    });
    var section = document.getElementById(id);
    var shown = section.querySelector('.seal-reference');
    if (shown) shown.textContent = ref;
    section.focus();
    return section;
  }

  /* At the kiosk, a result (sent or not) gives way to the home page after
     the site's idle time without a touch, so the next person sees nothing of
     it; the section says so. */
  var homeTimer = null;
  function returnHomeWhenIdle(section) {
    var idle = parseInt(document.body.getAttribute('data-idle'), 10) || 120;
    var note = section.querySelector('.seal-idle');
    if (note) note.hidden = false;
    function arm() {
      clearTimeout(homeTimer);
      homeTimer = setTimeout(function () { location.replace(document.querySelector('.site-name a').href); },
                             idle * 1000);
    }
    if (homeTimer === null) {
      ['input', 'keydown', 'pointerdown'].forEach(function (ev) {
        document.addEventListener(ev, function () { if (homeTimer !== null) arm(); }, { passive: true });
      });
    }
    arm();
  }

  /* unsent: why delivery failed (failure()), or null when nothing was to be
     delivered. */
  function showArmor(form, text, ref, unsent) {
    var section = showResult('seal-armor', ref);
    var note = document.getElementById('seal-unsent');
    note.querySelector('.seal-why').textContent = unsent || '';
    note.hidden = !unsent;
    var area = document.getElementById('sealed-request');
    area.value = text;
    var dl = document.getElementById('seal-download');
    if (dl.href.indexOf('blob:') === 0) URL.revokeObjectURL(dl.href);
    dl.href = URL.createObjectURL(new Blob([text], { type: 'application/octet-stream' }));
    var email = form.getAttribute('data-email') || '';
    var head = 'mailto:' + encodeURIComponent(email).replace(/%40/g, '@') + '?subject=' +
               encodeURIComponent('Sealed message');
    var full = head + '&body=' + encodeURIComponent(text);
    var fits = full.length <= MAILTO_MAX;
    document.getElementById('seal-email').href = fits ? full : head;
    document.getElementById('seal-email-short').hidden = !fits;
    document.getElementById('seal-email-long').hidden = fits;
    return section;
  }

  /* Rejects with .status: the drop box's answer, 0 when there was none. */
  function deliver(url, env) {
    return fetch(url, {
      method: 'POST', body: env, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
      headers: { 'Content-Type': 'application/octet-stream' },
    }).then(function (r) {
      if (r.ok) return;
      var e = new Error('drop box: ' + r.status);
      e.status = r.status;
      throw e;
    });
  }

  /* Why nothing was sent, by the drop box's answer (docs/drop-box.md); who
     is "the drop box" or "the kiosk's server". */
  function failure(status, who) {
    var Who = who.charAt(0).toUpperCase() + who.slice(1);
    switch (status) {
    case 0: return Who + ' could not be reached, so nothing was sent.';
    case 403: return Who + ' does not accept requests for this key, so nothing was sent: please contact the program.';
    case 413: return 'Your request is too large for ' + who + ', so nothing was sent.';
    case 429: return Who + ' is busy, so nothing was sent: please try again in a minute.';
    case 503: return Who + ' cannot store requests right now, so nothing was sent.';
    default: return Who + ' did not take your request (error ' + status + '), so nothing was sent.';
    }
  }

  /* Whether this page can try to seal here at all: a key to seal for and a
     browser with what sealing needs. */
  function canSeal(form) {
    return !!(form.getAttribute('data-box') && window.fetch && window.Promise && window.TextDecoder &&
              window.crypto && window.crypto.getRandomValues && Array.from);
  }

  /* Which of the page's explanations shows: "off" (the page's own words:
     JavaScript off or not working), "wait" (the library is loading) or
     "on" (ready to seal). The kiosk's page has its own words and none of
     these. */
  function showHow(state) {
    ['off', 'wait', 'on'].forEach(function (s) {
      var el = document.getElementById('seal-' + s);
      if (el) el.hidden = s !== state;
    });
  }

  /* "Ask for this supporter" links here with ?supporter=SLUG (the public
     slug, nothing else in the address): the supporter field gets their
     name from the page's list, or the slug itself, which the coordinator's
     matching understands too. */
  function preselect(form) {
    var slug = new URLSearchParams(location.search).get('supporter');
    var field = form.querySelector('[name="supporter"]');
    if (!slug || !field || field.value || !/^[a-z0-9-]{1,120}$/.test(slug)) return;
    var list = field.list ? field.list.querySelectorAll('option') : [];
    var name = slug;
    Array.prototype.forEach.call(list, function (o) {
      if (o.getAttribute('data-slug') === slug) name = o.value;
    });
    field.value = name;
  }

  function setup(form) {
    var fieldset = document.getElementById('request-fields');
    var errors = document.getElementById('seal-errors');
    var kioskDrop = fieldset.getAttribute('data-drop');
    var ready = null, busy = false;

    /* Attached before anything is enabled, and preventDefault comes first:
       the browser never posts this form itself, except at a kiosk whose own
       server seals when the browser cannot. */
    form.addEventListener('submit', function (ev) {
      if (!ready) {
        if (!kioskDrop) ev.preventDefault();
        return;
      }
      ev.preventDefault();
      if (busy) return;
      var r = ready, s = r.sodium;
      var checked = validate(r.schema, readForm(form, r.schema));
      if (checked.problems.length) { showProblems(form, errors, r.schema, checked.problems); return; }
      if (window.peerkit && window.peerkit.clearProblems) window.peerkit.clearProblems(form);
      var ref = reference(s);
      var channel = fieldset.getAttribute('data-channel') || 'web';
      var pad = padded(s, plaintext(r.schemaHash, channel, isoNow(new Date()), ref, checked.fields));
      checked = null;
      if (!pad) {
        showProblems(form, errors, r.schema, [{ id: null, label: 'Your request', message: 'too long to seal: please shorten it' }]);
        return;
      }
      var env = envelope(s, r.boxPk, pad);
      s.memzero(pad);
      clearForm(form);
      var target = kioskDrop || form.getAttribute('data-submit-url');
      if (!target) { showArmor(form, armor(s, env), ref, null); return; }
      busy = true;
      fieldset.disabled = true;
      deliver(target, env)
        .then(function () {
          var sent = showResult('seal-sent', ref);
          if (kioskDrop) returnHomeWhenIdle(sent);
        }, function (e) {
          if (kioskDrop) {
            /* A shared machine: no sealed text to carry away, and no
               reference, since nothing was stored. */
            var failed = showResult('seal-failed', '');
            failed.querySelector('.seal-why').textContent = failure(e.status || 0, 'the kiosk’s server');
            returnHomeWhenIdle(failed);
          } else {
            showArmor(form, armor(s, env), ref, failure(e.status || 0, 'the drop box'));
          }
        })
        .then(function () { busy = false; fieldset.disabled = false; });
    });

    document.getElementById('seal-copy').addEventListener('click', function () {
      var area = document.getElementById('sealed-request'), done = document.getElementById('seal-copied');
      area.select();
      var p = navigator.clipboard ? navigator.clipboard.writeText(area.value) : Promise.reject(new Error('no clipboard'));
      p.then(function () { done.textContent = 'Copied.'; },
             function () { done.textContent = document.execCommand('copy') ? 'Copied.' : 'Select the text and copy it.'; });
    });

    prepare(form).then(function (r) {
      ready = r;
      var fp = document.getElementById('seal-fingerprint');
      if (fp) {
        fp.textContent = fingerprint(r.sodium, r.boxPk, r.signPk);
        fp.setAttribute('data-computed', 'browser');
      }
      showHow('on');
      /* The page's own checks, with the error summary, instead of the
         browser's bubbles. */
      form.noValidate = true;
      preselect(form);
      fieldset.disabled = false;
      form.setAttribute('data-ready', 'yes');
    }, function (e) {
      if (window.console) console.warn('peerkit: cannot seal here: ' + e.message);
      /* The page's own words (contact the program) again; at a kiosk the
         kiosk seals instead. */
      showHow('off');
      form.setAttribute('data-ready', 'no');
    });
  }

  /* For the test vectors (tests/browser/request_vectors.mjs): the format
     functions only, never the form's values. */
  window.peerkitEnvelope = { keyId: keyId, fingerprint: fingerprint, plaintext: plaintext,
                             padded: padded, envelope: envelope, armor: armor, bucket: bucket,
                             validate: validate };

  function init() {
    var form = document.getElementById('request-form');
    if (!form || !canSeal(form)) return;
    /* The words for JavaScript off are for when it is off or fails. */
    showHow('wait');
    /* After the page has rendered: the library is large, the page is not. */
    if (document.readyState === 'complete') setup(form);
    else window.addEventListener('load', function () { setup(form); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
