import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createClient } from './api/client'
import { ClientContext } from './api/hooks'
import { VmStatusProvider } from './api/vm'
import { defaultTransport } from './api/transport'
import { App } from './App'
import { ToastProvider } from './components/Toasts'
import { FaultsProvider } from './lab/faults'
import './styles.css'

const client = createClient(defaultTransport())

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ClientContext.Provider value={client}>
      <VmStatusProvider>
        <FaultsProvider>
          <ToastProvider>
            <App />
          </ToastProvider>
        </FaultsProvider>
      </VmStatusProvider>
    </ClientContext.Provider>
  </StrictMode>,
)
