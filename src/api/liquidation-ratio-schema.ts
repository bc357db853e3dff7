/** The schema of a correlated pair's liquidation ratio, served on wallet positions (`liquidationRatios`). */
import { z } from '@hono/zod-openapi'

/** One correlated pair's liquidation ratio (on wallet positions). */
export const LiquidationRatioSchema = z
  .object({
    riskAsset: z.string().openapi({ example: 'ETH' }),
    collateral: z.object({ symbol: z.string(), asset: z.string().nullable() }),
    debt: z.object({ symbol: z.string(), asset: z.string().nullable() }),
    currentRatio: z.number().openapi({ description: 'Collateral USD price / debt USD price at the read' }),
    liquidationRatio: z.number().nullable().openapi({
      description:
        'The ratio at which HF reaches 1, every other price (the debt included) held at the read: the collateral liquidation price / the debt price; null when none can',
    }),
    depeg: z
      .number()
      .nullable()
      .openapi({
        description:
          'liquidationRatio / currentRatio - 1 (negative: the collateral must fall against the debt)',
      }),
    collateralPrice: z.number().nullable().openapi({ description: 'The collateral USD price at that ratio' }),
    debtPrice: z.number().openapi({ description: 'The debt USD price held fixed' }),
  })
  .openapi('LiquidationRatio')
