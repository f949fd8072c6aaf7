/** The Stately inspector UI the bridge page embeds. */
export const STATELY_INSPECTOR_URL = 'https://stately.ai/inspect';

/**
 * The page the relay serves at `/`: like `createInspectorServer`'s bridge, it embeds the Stately
 * inspector in an iframe and forwards every relayed event into it with `postMessage` once the
 * inspector says it is connected. It connects back to the host it was loaded from, so it works
 * on whatever loopback port the relay uses.
 *
 * @example
 * ```ts
 * res.end(bridgePage());
 * ```
 */
export function bridgePage(inspectorUrl: string = STATELY_INSPECTOR_URL): string {
  return `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>statevisor — Stately inspector</title>
  <style>* { margin: 0; padding: 0; } html, body { height: 100%; } iframe { width: 100%; height: 100%; border: none; }</style>
</head>
<body>
  <iframe id="inspector" src="${inspectorUrl}"></iframe>
  <script>
    const iframe = document.getElementById('inspector');
    const buffer = [];
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        buffer.forEach((event) => iframe.contentWindow.postMessage(event, '*'));
        buffer.length = 0;
      }
    });
    const ws = new WebSocket('ws://' + location.host + '/');
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (connected) iframe.contentWindow.postMessage(data, '*');
      else buffer.push(data);
    };
  </script>
</body>
</html>`;
}
