const byExtension: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** The media type of an image URL from its extension; `image/*` (the provider's choice) when it has none known. */
export function imageMediaType(url: string): string {
  const extension = /\.([a-z0-9]+)$/i.exec(URL.parse(url)?.pathname ?? '')?.[1]?.toLowerCase();
  return (extension && byExtension[extension]) || 'image/*';
}
