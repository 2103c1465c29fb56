// The dashboard package (/app/dist in the dashboard image) over HTTP, with Node's own
// http module (mounted into the image by the chart).
//   GET  /healthz   200 once the package loads
//   POST /summary   an order book {"bids": [...], "asks": [...]} -> summarize()'s JSON
import http from "node:http";

const dashboard = await import("/app/dist/index.js");
const port = Number(process.env.PORT || 8080);

function answer(res, status, body, type = "text/plain; charset=utf-8") {
  res.writeHead(status, { "Content-Type": type });
  res.end(body);
}

http
  .createServer((req, res) => {
    if (req.method === "GET" && req.url === "/healthz") return answer(res, 200, "ok\n");
    if (req.method !== "POST" || req.url !== "/summary") {
      return answer(res, 404, "POST /summary, GET /healthz\n");
    }
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      try {
        const summary = dashboard.summarize(JSON.parse(text));
        answer(res, 200, JSON.stringify(summary) + "\n", "application/json");
      } catch (e) {
        answer(res, 400, `${e}\n`);
      }
    });
  })
  .listen(port, () => console.log(`aegis-dashboard on :${port}`));
