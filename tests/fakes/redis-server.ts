import { spawn, type ChildProcess } from 'node:child_process'

/**
 * A real Redis server (redis-server, from Debian's packages) on a loopback port, keeping nothing
 * on disk; resolves once it accepts connections. With a password, it refuses clients without it.
 */
export function startRedis(port: number, password?: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const auth = password ? ['--requirepass', password] : []
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...auth, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('Ready to accept connections')) resolve(child)
    })
    child.once('error', (err) => reject(new Error(`redis-server could not start (${err.message}); install it: apt-get install redis-server`)))
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)))
  })
}
