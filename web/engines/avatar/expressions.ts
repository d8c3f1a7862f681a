/**
 * The face's expressions: what the `set_expression` tool may ask for, what an avatar bundle may
 * declare (each bundle tunes its own amounts), and what the pose blends with lip-sync and idle life.
 * `neutral` is every bundle's resting face and is never declared.
 */
export const EXPRESSIONS = ['neutral', 'happy', 'sad', 'surprised', 'thinking', 'concerned', 'amused'] as const
export type Expression = (typeof EXPRESSIONS)[number]

export const isExpression = (v: unknown): v is Expression => typeof v === 'string' && (EXPRESSIONS as readonly string[]).includes(v)
