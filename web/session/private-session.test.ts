import { describe, expect, it } from 'vitest'
import { isPrivatePage, privateSettings, privateUrl } from './private-session.ts'
import { defaultSettings } from './settings.ts'

describe('private session', () => {
  it('is the page opened with ?private', () => {
    expect(isPrivatePage({ search: '?private' })).toBe(true)
    expect(isPrivatePage({ search: '?debug&private=1' })).toBe(true)
    expect(isPrivatePage({ search: '?debug' })).toBe(false)
  })
  it('goes in and out by address, keeping the rest of it', () => {
    expect(privateUrl(true, { pathname: '/', search: '', hash: '' })).toBe('/?private')
    expect(privateUrl(true, { pathname: '/', search: '?debug', hash: '#x' })).toBe('/?debug&private#x')
    expect(privateUrl(false, { pathname: '/', search: '?private', hash: '' })).toBe('/')
    expect(privateUrl(false, { pathname: '/', search: '?debug&private', hash: '' })).toBe('/?debug')
  })
  it('puts every stage on the device and allows no downloads', () => {
    const s = privateSettings({ ...defaultSettings, voiceEngine: 'auto', remoteAvatar: 'flashtalk', documentSearch: 'relay', allowRemoteModels: true, brain: 'realtime' })
    expect(s).toMatchObject({ brain: 'device', asrPlacement: 'on-device', voiceEngine: 'espeak', remoteAvatar: null, documentSearch: 'on-device', allowRemoteModels: false })
    expect(privateSettings({ ...defaultSettings, voiceEngine: 'kokoro' }).voiceEngine).toBe('kokoro')
    expect(privateSettings({ ...defaultSettings, documentSearch: 'keywords' }).documentSearch).toBe('keywords')
  })
})
