/* altavoz: runs the edge's proof of work in a Web Worker and reports progress.
   Without JavaScript the page's meta refresh does the same job by waiting. */
(function () {
  "use strict";
  var box = document.getElementById("altavoz-challenge");
  if (!box || !window.Worker) return;
  var d = box.dataset, bits = parseInt(d.bits, 10), expected = Math.pow(2, bits);
  var status = document.getElementById("altavoz-status");
  var bar = document.getElementById("altavoz-progress");
  var said = -1;

  function say(text) { status.textContent = text; }
  function progress(tried) {
    // The chance of having found an answer by now: it only grows, like a bar should.
    var percent = Math.min(99, Math.floor(100 * (1 - Math.exp(-tried / expected))));
    bar.value = percent;
    var step = Math.floor(percent / 25);  // the live region speaks rarely, not every tick
    if (step !== said) { said = step; say(d.working.replace("{p}", percent)); }
  }

  var worker;
  try {
    worker = new Worker(d.worker);
  } catch (error) {
    return;  // the wait path (meta refresh and link) still leads on
  }
  worker.onmessage = function (event) {
    var m = event.data;
    if (m.error) { say(d.failed); worker.terminate(); return; }
    if (m.found === undefined) { progress(m.tried); return; }
    worker.terminate();
    bar.value = 100;
    say(d.done);
    location.replace(d.pass + "?t=" + encodeURIComponent(d.token) + "&n=" + m.found
      + "&next=" + encodeURIComponent(d.next));
  };
  worker.onerror = function () { say(d.failed); };
  bar.hidden = false;
  progress(0);
  worker.postMessage({token: d.token, bits: bits});
})();
