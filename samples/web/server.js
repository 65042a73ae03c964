// A minimal HTTP service for the sample workload: no dependencies, no writes to the filesystem
// (the Deployment mounts the root filesystem read-only).
const http = require("http");
const port = Number(process.env.PORT || 8080);
http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("imagegate sample: deployed by digest, scanned and admitted\n");
}).listen(port);
