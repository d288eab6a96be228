/** Filling the dealer form's fields as a user does: the platforms' multi-select and the JSON code editor. */
import { isDeepStrictEqual } from 'node:util'
import type { Locator, Page } from 'playwright-core'

/** Chooses `labels` in a Payload select with hasMany (react-select), one at a time. */
export async function choose(select: Locator, page: Page, labels: string[]): Promise<void> {
  for (const label of labels) {
    await select.locator('.rs__control').click()
    await page.locator('.rs__menu .rs__option', { hasText: label }).first().click()
    await select.locator('.multi-value-label__text', { hasText: label }).waitFor()
  }
}

export const chosen = async (select: Locator) =>
  (await select.locator('.multi-value-label__text').allInnerTexts()).map((t) => t.trim())

/**
 * Types `text` into the JSON field's code editor (Monaco) as a user does, key by key (Monaco closes
 * brackets and quotes and types over them), and checks that the editor holds exactly that JSON.
 */
export async function typeJson(page: Page, fieldId: string, value: unknown): Promise<void> {
  const editor = page.locator(`#${fieldId} .monaco-editor`)
  await editor.waitFor()
  await editor.locator('.view-lines').click()
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.press('Delete')
  await page.keyboard.type(JSON.stringify(value))
  await page.keyboard.press('Escape') // closes a suggestion box, if any
  const held = await editor.evaluate((node) => {
    const monaco = (
      window as unknown as {
        monaco?: {
          editor: { getEditors(): { getContainerDomNode(): Element; getValue(): string }[] }
        }
      }
    ).monaco
    return monaco?.editor
      .getEditors()
      .find((e) => node.contains(e.getContainerDomNode()) || e.getContainerDomNode().contains(node))
      ?.getValue()
  })
  let parsed: unknown
  try {
    parsed = held === undefined ? undefined : JSON.parse(held)
  } catch {
    // below
  }
  if (!isDeepStrictEqual(parsed, value))
    throw new Error(
      `the ${fieldId} editor holds ${JSON.stringify(held)} after typing ${JSON.stringify(JSON.stringify(value))}`,
    )
}
