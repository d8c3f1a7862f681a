import { describe, expect, it } from 'vitest'
import { elapsedLabel, recordingFileName, sizeLabel } from './recording-name.ts'

describe('recordingFileName', () => {
  it('names the avatar and the local date and time', () => {
    expect(recordingFileName('Mira', new Date(2026, 11, 1, 9, 5, 7))).toBe('parley-mira-2026-12-01-090507.mp4')
  })

  it('makes the avatar name safe for any file system', () => {
    expect(recordingFileName('  Zoë / "The Guide" ', new Date(2026, 0, 2, 23, 59, 0), 'webm')).toBe('parley-zoe-the-guide-2026-01-02-235900.webm')
    expect(recordingFileName('???', new Date(2026, 0, 2))).toBe('parley-avatar-2026-01-02-000000.mp4')
  })
})

describe('elapsedLabel', () => {
  it('shows m:ss, and hours past an hour', () => {
    expect(elapsedLabel(0)).toBe('0:00')
    expect(elapsedLabel(65_900)).toBe('1:05')
    expect(elapsedLabel(3_723_000)).toBe('1:02:03')
  })
})

describe('sizeLabel', () => {
  it('reads in kB, then MB', () => {
    expect(sizeLabel(12_345)).toBe('12 kB')
    expect(sizeLabel(2_450_000)).toBe('2.5 MB')
  })
})
