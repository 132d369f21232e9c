/** Release health for web applications in a Jakarta Servlet container. */
package dev.allstak.servlet;
