// Binding the api's port, with the one PORT_IN_USE message that names the setting to change.
import type { Server } from 'node:http';

/** Resolves once `httpServer` listens on host:port; a taken port rejects with code PORT_IN_USE. */
export async function listen(httpServer: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw Object.assign(
        new Error(
          `port ${host}:${port} for the api is already in use; set ATLAS_API_PORT to a free port (0 picks one), or stop the program using it.`,
        ),
        { code: 'PORT_IN_USE' },
      );
    throw err;
  });
}
