// slow.js (a solution): every request the page makes waits one second before it really goes out.
// Injected before dbweb's own code, so the page only ever sees the wrapped versions.
(function () {
  var DELAY_MS = 1000;

  var realSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function () {
    var xhr = this;
    var args = arguments; // forward the body too: a POST without it would silently lose its data
    console.log('monkey: XHR held for ' + DELAY_MS + ' ms at ' + new Date().toISOString());
    setTimeout(function () { realSend.apply(xhr, args); }, DELAY_MS);
  };

  var realFetch = window.fetch;
  window.fetch = function () {
    var args = arguments;
    console.log('monkey: fetch held for ' + DELAY_MS + ' ms at ' + new Date().toISOString());
    return new Promise(function (resolve) { setTimeout(resolve, DELAY_MS); }).then(function () {
      return realFetch.apply(window, args);
    });
  };
})();
