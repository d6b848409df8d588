"""Broken, badly formatted word count, shipped beside tool configs that would hide all of it."""
import os,sys


def count_words( text ):
    unused=1
    return {  }


def top_words(text,n): return [ ]
