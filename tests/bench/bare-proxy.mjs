// The floor for any relay on this machine: a bare node:http proxy that pipes the upstream's
// answer straight back, with no validation, timeouts or error handling. Bench reference only.
import http from 'node:http'

const upstream = process.env.UPSTREAM
const agent = new http.Agent({ keepAlive: true })
http
  .createServer((req, res) => {
    const body = []
    req.on('data', (c) => body.push(c))
    req.on('end', () => {
      const up = http.request(`${upstream}${req.url.replace(/^\/v1/, '')}`, { method: req.method, agent, headers: { 'content-type': 'application/json' } }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers)
        answer.pipe(res)
      })
      up.end(Buffer.concat(body))
    })
  })
  .listen(0, '127.0.0.1', function () {
    console.log(`http://127.0.0.1:${this.address().port}`)
  })
