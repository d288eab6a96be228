'use client'
/**
 * Every action that overwrites or deletes is confirmed first, in Payload's own ConfirmationModal
 * (`useModal`): `confirm({ heading, body, confirmLabel, run })` opens it, and `run` runs on the modal's
 * confirm button (the modal shows "Working …" until it ends). A failure of `run` is shown as a toast.
 */
import { ConfirmationModal, toast, useModal } from '@payloadcms/ui'
import { useCallback, useId, useState, type ReactNode } from 'react'

export interface ConfirmRequest {
  heading: string
  body: ReactNode
  confirmLabel: string
  run: () => Promise<void>
}

export function useConfirm(): { confirm: (request: ConfirmRequest) => void; modal: ReactNode } {
  const slug = `supabase-sync-confirm-${useId().replace(/[^A-Za-z0-9]/g, '')}`
  const { openModal } = useModal()
  const [request, setRequest] = useState<ConfirmRequest | null>(null)
  const confirm = useCallback(
    (next: ConfirmRequest) => {
      setRequest(next)
      openModal(slug)
    },
    [openModal, slug],
  )
  const modal = request ? (
    <ConfirmationModal
      modalSlug={slug}
      className="supabase-sync-confirm"
      heading={request.heading}
      body={request.body}
      confirmLabel={request.confirmLabel}
      confirmingLabel="Working …"
      onCancel={() => setRequest(null)}
      onConfirm={async () => {
        try {
          await request.run()
        } catch (error) {
          toast.error(error instanceof Error ? error.message : String(error))
        }
      }}
    />
  ) : null
  return { confirm, modal }
}
