import { schema, type Tool } from './tool.ts'

/** `get_time`: the user's local date, time and time zone (the model has no clock of its own). */
export function timeTool(now: () => Date = () => new Date()): Tool {
  return {
    definition: { name: 'get_time', description: "The user's current local date, time and time zone.", parameters: schema({}) },
    async run() {
      const at = now()
      const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone
      const local = at.toLocaleString('en-GB', { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone })
      const clock = at.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone })
      return { result: { local, iso: at.toISOString(), timeZone, utcOffsetMinutes: -at.getTimezoneOffset() }, chip: `time: ${clock}`, ok: true }
    },
  }
}
