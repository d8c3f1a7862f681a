// Types for build-stamp.mjs (a plain-Node script that `npm start` also runs).
import type { Plugin } from 'vite'

export const STAMP_FILE: string
export function buildSettings(env?: Record<string, string | undefined>): Record<string, string>
export function changedSettings(dir: string, settings: Record<string, string | undefined>): string[] | null
export function buildStamp(): Plugin
