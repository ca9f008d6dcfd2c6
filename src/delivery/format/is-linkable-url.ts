/** True for absolute URLs a chat client can open (http, https, mailto, tg); relative links are shown as text. */
export function isLinkableUrl(href: string): boolean {
  return /^(https?:\/\/[^\s]+|mailto:[^\s]+|tg:\/\/[^\s]+)$/i.test(href);
}
