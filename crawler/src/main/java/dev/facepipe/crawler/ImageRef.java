package dev.facepipe.crawler;

/**
 * An image found on a page.
 *
 * @param via where it was found: img, srcset, lazy, picture, og:image or twitter:image
 */
public record ImageRef(String url, String pageUrl, String alt, String via) {}
