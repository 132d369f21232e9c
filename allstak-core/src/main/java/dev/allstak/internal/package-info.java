/** Implementation of the AllStak SDK. Not public API: anything here may change without notice. */
package dev.allstak.internal;
