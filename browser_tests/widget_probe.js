// In-page helpers of the browser suite (installed with page.add_init_script): window.__wb.
//
// It watches the kernel of the open notebook (comm messages the page sends, the kernel's "idle" after each,
// and what widget callbacks write to stderr or raise), reads JupyterLab's log console, lists the controls of every widget
// view, fingerprints what a widget draws (its images, output text, HTML and labels, never a control's own
// state), times a redraw from the user's input event until the browser has painted the last change of what
// the widget shows (once the kernel has handled every message the change sent), and finds controls that cannot be
// seen or read.
(() => {
  const wb = {};
  window.__wb = wb;
  const CONTROL_SELECTORS = {
    slider: '.widget-slider, .widget-hslider, .widget-vslider',
    dropdown: '.widget-dropdown select',
    text: '.widget-text input, .widget-textarea textarea, input[type=number]',
    toggle: '.widget-toggle-buttons',
    checkbox: '.widget-checkbox input',
    button: 'button.widget-button',
  };
  const EVENTS = ['pointerdown', 'mousedown', 'keydown', 'click', 'input', 'change'];

  function panel() {
    const app = window.jupyterapp;
    return app && app.shell.currentWidget && app.shell.currentWidget.sessionContext ? app.shell.currentWidget : null;
  }

  // ----------------------------------------------------------------------------- the kernel's messages
  wb.install = () => {
    const p = panel();
    const kernel = p && p.sessionContext.session && p.sessionContext.session.kernel;
    if (!kernel) return false;
    if (wb.kernel === kernel) return true;
    wb.kernel = kernel;
    wb.sent = new Map();      // msg_id of every comm_msg the page sent -> time
    wb.handled = new Map();   // msg_id -> time of the kernel's idle status for it
    wb.callbackErrors = [];   // stderr and errors of widget callbacks (in an Output widget or in the log console)
    wb.callbackOutputs = [];  // anything else they print or display
    kernel.anyMessage.connect((_, args) => {
      const msg = args.msg;
      if (args.direction === 'send' && msg.header.msg_type === 'comm_msg') {
        wb.sent.set(msg.header.msg_id, performance.now());
      } else if (args.direction === 'recv' && msg.header.msg_type === 'status' &&
                 msg.content.execution_state === 'idle' && wb.sent.has(msg.parent_header.msg_id)) {
        wb.handled.set(msg.parent_header.msg_id, performance.now());
      } else if (args.direction === 'recv' && wb.sent.has(msg.parent_header.msg_id) &&
                 ['error', 'stream', 'display_data', 'execute_result'].includes(msg.header.msg_type)) {
        // what a widget callback printed, displayed or raised: in an Output widget, or in the log console
        const c = msg.content, type = msg.header.msg_type;
        const text = (type === 'stream' ? c.text : type === 'error' ?
          `${c.ename}: ${c.evalue}\n${(c.traceback || []).join('\n')}` : String((c.data || {})['text/plain'] || ''))
          .replace(/\x1b\[[0-9;]*m/g, '');
        (type === 'error' || c.name === 'stderr' ? wb.callbackErrors : wb.callbackOutputs).push(text);
      }
    });
    return true;
  };

  // What JupyterLab's log console shows for the open notebook (at its default level, warnings and errors).
  wb.logConsole = async () => {
    const app = window.jupyterapp, path = panel().context.path;
    await app.commands.execute('logconsole:open', {insertMode: 'split-bottom', activate: false});
    await new Promise(r => setTimeout(r, 500));
    const consoles = ['main', 'down'].flatMap(a => Array.from(app.shell.widgets(a)))
      .filter(w => w.content && w.content.source === path && w.node.querySelector('.jp-LogConsolePanel'));
    if (!consoles.length) return [`no log console found for ${path}`];
    // the panel keeps a hidden output area for every notebook it has shown: read the one on display
    return Array.from(consoles[0].node.querySelectorAll('.jp-OutputArea-child'))
      .filter(e => e.getClientRects().length > 0)
      .map(e => {
        const output = e.querySelector('.jp-OutputArea-output');
        const what = output ? output.getAttribute('data-mime-type') || 'output' : 'entry';
        const text = output ? output.innerText.trim() : e.innerText.trim();
        return text || `(a ${what} with no text${output && output.querySelector('img') ? ': an image' : ''})`;
      });
  };

  // ----------------------------------------------------------------------------- widget views and controls
  wb.areas = () => {
    const p = panel();
    if (!p) return [];
    const els = Array.from(p.node.querySelectorAll('.jp-OutputArea-output:not([data-mime-type])'))
      .filter(el => el.querySelector('.jupyter-widgets'));
    els.forEach((el, i) => el.setAttribute('data-wb-area', String(i)));
    return els.map(el => {
      const cell = el.closest('.jp-CodeCell');
      const code = Array.from(p.node.querySelectorAll('.jp-CodeCell'));
      return {cell: code.indexOf(cell), text: el.innerText.slice(0, 80).replace(/\s+/g, ' ')};
    });
  };
  const area = i => document.querySelector(`[data-wb-area="${i}"]`);

  function labelOf(el) {
    const box = el.closest('.widget-inline-hbox');
    const label = box && box.querySelector(':scope > label.widget-label');
    const text = (label && label.textContent.trim()) || (el.tagName === 'BUTTON' && el.textContent.trim()) ||
      el.getAttribute('title') || el.getAttribute('placeholder') || '';
    return text.slice(0, 60);
  }

  // Controls of area i, each tagged data-wb-control="i-k" so Playwright can address it.
  wb.controls = i => {
    const root = area(i);
    const out = [];
    const seen = new Set();
    for (const [kind, selector] of Object.entries(CONTROL_SELECTORS)) {
      for (const el of root.querySelectorAll(selector)) {
        if (seen.has(el) || (kind === 'button' && el.closest('.widget-toggle-buttons'))) continue;
        if (kind === 'toggle') el.querySelectorAll('button').forEach(b => seen.add(b));
        seen.add(el);
        const id = `${i}-${out.length}`;
        el.setAttribute('data-wb-control', id);
        el.setAttribute('data-wb-kind', kind);
        const c = {id, kind, label: labelOf(el), disabled: !!el.disabled};
        if (kind === 'slider') {
          const handles = Array.from(el.querySelectorAll('.noUi-handle'));
          handles.forEach((h, k) => h.setAttribute('data-wb-control', `${id}-h${k}`));
          c.handles = handles.length;
          c.disabled = el.querySelector('.noUi-target[disabled]') !== null;
          const readout = el.querySelector('.widget-readout');
          if (readout) readout.setAttribute('data-wb-control', `${id}-readout`);
          c.readout = readout ? readout.textContent : null;
          c.readoutEditable = !!readout && readout.getAttribute('contenteditable') === 'true';
          c.selection = el.classList.contains('widget-slider') && !!el.querySelector('.noUi-handle') &&
            (handles[0].getAttribute('aria-valuetext') || '') !== '' && isNaN(Number(c.readout));
        } else if (kind === 'dropdown') {
          c.options = Array.from(el.options).map(o => o.value);
          c.value = el.value;
        } else if (kind === 'text') {
          c.value = el.value;
          c.type = el.getAttribute('type') || el.tagName.toLowerCase();
        } else if (kind === 'toggle') {
          const buttons = Array.from(el.querySelectorAll('button'));
          buttons.forEach((b, k) => b.setAttribute('data-wb-control', `${id}-b${k}`));
          c.options = buttons.map(b => b.textContent.trim() || b.getAttribute('title') || '');
          c.value = buttons.findIndex(b => b.classList.contains('mod-active'));
          c.label = c.label || c.options.join(' | ');
        } else if (kind === 'checkbox') {
          c.value = el.checked;
        }
        out.push(c);
      }
    }
    // anything else a student can operate, so a new kind of control is not silently skipped
    const known = new Set(root.querySelectorAll('[data-wb-control], [data-wb-control] *'));
    c_other: for (const el of root.querySelectorAll('input, select, textarea, button, [contenteditable=true]')) {
      if (known.has(el)) continue c_other;
      out.push({id: null, kind: 'unknown', label: `${el.tagName.toLowerCase()}.${el.className}`, disabled: !!el.disabled});
    }
    return out;
  };

  wb.handle = (id, k) => {
    const h = document.querySelector(`[data-wb-control="${id}-h${k}"]`);
    return h ? {now: Number(h.getAttribute('aria-valuenow')), min: Number(h.getAttribute('aria-valuemin')),
      max: Number(h.getAttribute('aria-valuemax')), text: h.getAttribute('aria-valuetext')} : null;
  };
  wb.readout = id => {
    const r = document.querySelector(`[data-wb-control="${id}-readout"]`);
    return r ? r.textContent : null;
  };
  wb.enabled = id => {
    const el = document.querySelector(`[data-wb-control="${id}"]`);
    return !!el && !el.disabled;
  };
  wb.active = id => document.querySelector(`[data-wb-control="${id}"]`).classList.contains('mod-active');

  // ----------------------------------------------------------------------------- what a widget draws
  function hash(s) {
    let h = 2166136261;
    for (let k = 0; k < s.length; k += 7) h = Math.imul(h ^ s.charCodeAt(k), 16777619);
    return `${s.length}.${(h >>> 0).toString(36)}`;
  }
  wb.fingerprint = root => {
    const parts = [];
    root.querySelectorAll('img').forEach(img => parts.push('img:' + hash(img.src)));
    root.querySelectorAll('.widget-output, .widget-html-content, .widget-htmlmath-content, div.widget-label')
      .forEach(el => parts.push(el.className.split(' ').pop() + ':' + hash(el.textContent) + ':' + el.childElementCount));
    root.querySelectorAll('svg, canvas').forEach(el => parts.push(el.tagName + ':' +
      (el.tagName === 'CANVAS' ? hash(el.toDataURL()) : hash(el.innerHTML))));
    return parts.join('|');
  };
  // What the reader sees of the widget's outputs: Output widgets' text and Label/HTML values.
  wb.outputText = i => Array.from(area(i).querySelectorAll('.widget-output, div.widget-label, .widget-html-content'))
    .map(el => el.innerText.trim()).filter(Boolean).join('\n');

  // Problems inside a widget's drawing: a traceback or internal error, or LaTeX that MathJax could not typeset.
  wb.drawingProblems = i => {
    const root = area(i);
    const problems = [];
    root.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"], ' +
                          '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
      .forEach(el => problems.push('error output in the widget: ' + el.innerText.slice(0, 600)));
    const text = root.innerText;
    const tb = text.search(/Traceback \(most recent call last\)|Internal error \(/);
    if (tb >= 0) problems.push('traceback in the widget: ' + text.slice(tb, tb + 600));
    root.querySelectorAll('mjx-merror, .MathJax_Error, .katex-error').forEach(el =>
      problems.push('LaTeX not typeset: ' + (el.getAttribute('data-mjx-error') || el.getAttribute('title') || '') +
                    ' in ' + el.textContent.slice(0, 120)));
    if (/Error displaying widget|Model not found/.test(text)) problems.push('widget not drawn: ' + text.slice(0, 200));
    return problems;
  };

  // MathJax typesets asynchronously: until it is done, raw TeX shows outside its containers.
  const RAW_TEX = /\$\$|\\\(|\\\[|\\begin\{/;
  function mathReady(root) {
    for (const el of root.querySelectorAll('.widget-htmlmath-content')) {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.parentElement.closest('mjx-container') && RAW_TEX.test(n.textContent)) return false;
      }
    }
    return true;
  }

  // ----------------------------------------------------------------------------- timing a redraw
  const OUTPUT_PARTS = '.widget-output, div.widget-label, .widget-html-content, .widget-htmlmath-content';
  wb.arm = i => {
    const root = area(i);
    const state = {root, before: wb.fingerprint(root), events: [], sentBefore: new Set(wb.sent.keys()),
                   redraws: 0, lastRedraw: 0, errorsBefore: wb.callbackErrors.length,
                   outputsBefore: wb.callbackOutputs.length, painting: 0, lastPaint: 0};
    state.listener = () => state.events.push(performance.now());
    EVENTS.forEach(e => root.addEventListener(e, state.listener, true));
    // when the browser has painted a change: two animation frames later (after its layout and paint)
    const painted = () => {
      state.painting++;
      requestAnimationFrame(() => requestAnimationFrame(() => {
        state.lastPaint = performance.now();
        state.painting--;
      }));
    };
    // a redraw replaces what an output shows, even with the same picture or message
    state.observer = new MutationObserver(records => {
      let relevant = false;
      for (const r of records) {
        const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        if (node && (node.matches(OUTPUT_PARTS) || node.closest(OUTPUT_PARTS))) {
          relevant = true;
          for (const added of r.addedNodes) {
            const imgs = added.nodeType !== 1 ? [] : added.tagName === 'IMG' ? [added] : added.querySelectorAll('img');
            for (const img of imgs) {  // an image is seen once decoded, then painted
              state.painting++;
              img.decode().catch(() => null).then(() => { state.painting--; painted(); });
            }
          }
        }
      }
      if (relevant) {
        state.redraws++;
        state.lastRedraw = performance.now();
        painted();
      }
    });
    state.observer.observe(root, {childList: true, subtree: true, characterData: true});
    wb.armed = state;
    state.index = i;
    return wb.drawingProblems(i);
  };

  // Resolves when every comm message sent since arm() has been handled by the kernel and the drawing has been
  // still for `quietMs` with its images decoded; or after timeoutMs. Times are in ms from the user's input.
  wb.settle = async (timeoutMs, quietMs = 40) => {
    const s = wb.armed;
    const start = performance.now();
    let fp = s.before, lastChange = null;
    const sleep = ms => new Promise(r => setTimeout(r, ms));
    for (;;) {
      await sleep(10);
      const now = performance.now();
      const cur = wb.fingerprint(s.root);
      if (cur !== fp) { fp = cur; lastChange = now; }
      const mine = [...wb.sent.keys()].filter(id => !s.sentBefore.has(id));
      const pending = mine.filter(id => !wb.handled.has(id));
      const lastHandled = Math.max(0, ...mine.map(id => wb.handled.get(id) || 0));
      const imagesReady = Array.from(s.root.querySelectorAll('img')).every(img => img.complete) && mathReady(s.root);
      const quiet = now - Math.max(lastChange || 0, lastHandled, s.lastRedraw) >= quietMs && s.painting === 0;
      const done = mine.length > 0 ? pending.length === 0 && quiet && imagesReady
        : now - start > 400 && quiet && imagesReady;  // nothing sent: the value did not change
      if (done || now - start > timeoutMs) {
        EVENTS.forEach(e => s.root.removeEventListener(e, s.listener, true));
        s.observer.disconnect();
        const firstSend = mine.length ? Math.min(...mine.map(id => wb.sent.get(id))) : null;
        const inputs = s.events.filter(t => firstSend === null || t <= firstSend + 1);
        const t0 = inputs.length ? Math.max(...inputs) : (firstSend || start);
        const end = Math.max(lastChange || 0, lastHandled, s.lastRedraw, s.lastPaint);
        return {sent: mine.length, pending: pending.length, changed: fp !== s.before, redrawn: s.redraws > 0,
                timedOut: !done, errors: wb.callbackErrors.slice(s.errorsBefore),
                outputs: wb.callbackOutputs.slice(s.outputsBefore),
                text: wb.outputText(s.index), problems: wb.drawingProblems(s.index),
                ms: mine.length ? Math.round(end - t0) : null};
      }
    }
  };

  // ----------------------------------------------------------------------------- can it be seen and read?
  function describe(el) {
    if (!el) return 'nothing';
    const text = (el.innerText || '').trim().slice(0, 40);
    return `<${el.tagName.toLowerCase()} class="${String(el.className).slice(0, 60)}">${text ? ` "${text}"` : ''}`;
  }
  function clippedBy(el, r) {
    const stop = el.closest('.jp-WindowedPanel-outer, .jp-Notebook');
    for (let a = el.parentElement; a && a !== stop && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
      const ar = a.getBoundingClientRect();
      if (cs.overflowX !== 'visible' && (r.left < ar.left - 1 || r.right > ar.right + 1)) {
        return `clipped at the ${r.right > ar.right + 1 ? 'right' : 'left'} by ${describe(a)}`;
      }
      if (cs.overflowY === 'hidden' && (r.top < ar.top - 1 || r.bottom > ar.bottom + 1)) return `clipped by ${describe(a)}`;
    }
    if (stop) {
      const sr = stop.getBoundingClientRect();
      if (r.right > sr.right + 1 || r.left < sr.left - 1) return 'outside the notebook\'s width';
    }
    return null;
  }
  function covered(el) {
    el.scrollIntoView({block: 'center', inline: 'nearest'});
    const r = el.getBoundingClientRect();
    const owner = el.closest('.widget-inline-hbox') || el;
    const y = r.top + r.height / 2;
    const points = [[r.left + r.width / 2, y], [r.left + Math.min(3, r.width / 2), y], [r.right - Math.min(3, r.width / 2), y]];
    for (const [x, yy] of points) {
      const hit = document.elementFromPoint(x, yy);
      if (!hit || !(owner.contains(hit) || el.contains(hit))) return `covered by ${describe(hit)} at (${Math.round(x)}, ${Math.round(yy)})`;
    }
    return null;
  }
  let canvas;
  function textWidth(text, el) {
    canvas = canvas || document.createElement('canvas');
    const ctx = canvas.getContext('2d');
    const cs = getComputedStyle(el);
    ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    return ctx.measureText(text).width;
  }
  function shown(el) {
    const cs = getComputedStyle(el);
    return cs.display !== 'none' && cs.visibility !== 'hidden' && el.getClientRects().length > 0;
  }

  // Every control (and its readout and label) of area i: zero size, clipped, covered, cut text, tooltip "null".
  wb.visibility = i => {
    wb.controls(i);  // tags the controls
    const root = area(i);
    const problems = [];
    const parts = [];
    root.querySelectorAll('[data-wb-control]').forEach(el => {
      const id = el.getAttribute('data-wb-control');
      if (/-h\d+$/.test(id)) return;  // a slider's handle moves along its track: the track is checked
      const target = el.matches('.widget-slider, .widget-hslider, .widget-vslider') ?
        el.querySelector('.slider-container') || el : el;
      const kind = el.getAttribute('data-wb-kind') || 'slider';
      parts.push([target, /readout$/.test(id) ? `readout of slider '${labelOf(el)}'` : `${kind} '${labelOf(el)}'`]);
    });
    root.querySelectorAll('label.widget-label').forEach(el => { if (shown(el)) parts.push([el, `label "${el.textContent}"`]); });
    for (const [el, name] of parts) {
      const r = el.getBoundingClientRect();
      if (!shown(el) || r.width < 2 || r.height < 2) {
        problems.push(`${name}: not visible (${Math.round(r.width)}x${Math.round(r.height)} px)`);
        continue;
      }
      const clip = clippedBy(el, r) || covered(el);
      if (clip) problems.push(`${name}: ${clip}`);
    }
    // text cut: labels, Label widgets, readouts and buttons that need more room than they have
    root.querySelectorAll('label.widget-label, div.widget-label, .widget-readout, button').forEach(el => {
      if (shown(el) && el.scrollWidth > el.clientWidth + 1) {
        problems.push(`text cut: "${el.textContent.trim().slice(0, 80)}" needs ${el.scrollWidth} px, has ${el.clientWidth}`);
      }
    });
    root.querySelectorAll('select').forEach(el => {
      if (!shown(el)) return;
      const cs = getComputedStyle(el);
      const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      for (const o of el.options) {
        const need = textWidth(o.text, el);
        if (need > room + 1) {
          problems.push(`dropdown "${labelOf(el)}": option "${o.text}" is cut (needs ${Math.ceil(need)} px, has ${Math.floor(room)})`);
          break;
        }
      }
    });
    root.querySelectorAll('[title="null"]').forEach(el => {
      if (shown(el)) problems.push(`tooltip "null" on ${describe(el)}`);
    });
    return problems;
  };
})();
