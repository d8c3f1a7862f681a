interface ImportMetaEnv {
  /** The relay's URL when the app is built for a static host elsewhere (default: the page's origin). */
  readonly VITE_PARLEY_RELAY_URL?: string
}
