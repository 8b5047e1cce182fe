// Package mathcheck scores mathematical answers as the Minerva and Llemma
// evaluations do, without Python.
package mathcheck
