"""The county portal pages (信息公开): a static site of the negative list, the local permit
catalogue and the notified typical cases."""
