import { isExpression, type Expression } from '../../engines/avatar/expressions.ts'
import { refused, schema, type Tool } from './tool.ts'

/** What the face can do: the expressions its bundle declares, and showing one. */
export interface ExpressiveFace {
  readonly expressions: readonly Expression[]
  setExpression(expression: Expression, intensity: number): { ok: true } | { ok: false; why: string }
}

export const DEFAULT_INTENSITY = 0.7

/** `set_expression`: the face shows a feeling while it speaks (it eases in and fades back by itself). */
export function expressionTool(face: ExpressiveFace): Tool {
  const offered = ['neutral', ...face.expressions.filter((e) => e !== 'neutral')]
  return {
    definition: {
      name: 'set_expression',
      description: "Show a feeling on the avatar's face while you speak, matching what you say (it fades back by itself). Use it when the feeling is clear; don't mention it.",
      parameters: schema(
        {
          expression: { type: 'string', enum: offered },
          intensity: { type: 'number', minimum: 0, maximum: 1, description: `How strongly, 0…1 (default ${DEFAULT_INTENSITY}).` },
        },
        ['expression'],
      ),
    },
    async run(args) {
      const { expression, intensity = DEFAULT_INTENSITY } = args
      if (!isExpression(expression)) return refused('expression: ?', `expression must be one of ${offered.join(', ')}`)
      if (typeof intensity !== 'number' || !Number.isFinite(intensity)) return refused(`expression: ${expression}`, 'intensity must be a number from 0 to 1')
      const shown = face.setExpression(expression, Math.min(1, Math.max(0, intensity)))
      if (!shown.ok) return refused(`expression: ${expression}`, shown.why)
      return { result: { shown: expression }, chip: `expression: ${expression}`, ok: true }
    },
  }
}
