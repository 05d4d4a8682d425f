"""Tests of the independent dev set generator."""
